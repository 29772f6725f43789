package io.karakuri.futaba.state;

import java.util.Locale;

/** The runtime-spec lifecycle states. */
public enum Status {
    CREATING,
    CREATED,
    RUNNING,
    PAUSED,
    STOPPED;

    /** As the runtime spec spells it: "created". */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
