package io.karakuri.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this host enforces AppArmor, and where a process asks for its profile at the next exec. */
public final class AppArmor {
    private AppArmor() {
    }

    /**
     * The attribute a process writes "exec PROFILE" into (kernels with LSM stacking have AppArmor's own
     * under attr/apparmor/), or null when AppArmor is not enabled here.
     */
    public static String execAttribute() {
        try {
            if (!Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).strip().equals("Y")) {
                return null;
            }
        } catch (IOException notBuiltIn) {
            return null;
        }
        return Files.exists(Path.of("/proc/self/attr/apparmor/exec")) ? "/proc/self/attr/apparmor/exec"
                : "/proc/self/attr/exec";
    }
}
