package io.karakuri.futaba.plan;

import static io.karakuri.futaba.plan.MountOptions.MS_BIND;
import static io.karakuri.futaba.plan.MountOptions.MS_NODEV;
import static io.karakuri.futaba.plan.MountOptions.MS_NOEXEC;
import static io.karakuri.futaba.plan.MountOptions.MS_NOSUID;
import static io.karakuri.futaba.plan.MountOptions.MS_PRIVATE;
import static io.karakuri.futaba.plan.MountOptions.MS_RDONLY;
import static io.karakuri.futaba.plan.MountOptions.MS_REC;
import static io.karakuri.futaba.plan.MountOptions.MS_RELATIME;
import static io.karakuri.futaba.plan.MountOptions.MS_SHARED;
import static io.karakuri.futaba.plan.MountOptions.MS_SLAVE;
import static io.karakuri.futaba.plan.MountOptions.MS_STRICTATIME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {

    private static MountOptions parse(String... options) {
        return MountOptions.parse(List.of(options));
    }

    @Test
    void flagOptions() {
        MountOptions o = parse("ro", "nosuid", "nodev", "noexec");
        assertEquals(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, o.flags());
        assertEquals(0, o.propagation());
        assertEquals("", o.data());
        assertFalse(o.bind());
    }

    @Test
    void bindAndRbind() {
        assertEquals(MS_BIND, parse("bind").flags());
        assertEquals(MS_BIND | MS_REC, parse("rbind").flags());
        assertTrue(parse("rbind").bind());
    }

    @Test
    void laterOptionsClearEarlierFlags() {
        assertEquals(0, parse("ro", "rw").flags());
        assertEquals(MS_RDONLY, parse("rw", "ro").flags());
        assertEquals(0, parse("nosuid", "nodev", "noexec", "suid", "dev", "exec").flags());
        assertEquals(0, parse("defaults").flags());
    }

    @Test
    void propagation() {
        assertEquals(MS_PRIVATE | MS_REC, parse("rprivate").propagation());
        assertEquals(MS_SHARED | MS_REC, parse("rshared").propagation());
        assertEquals(MS_SLAVE, parse("slave").propagation());
        assertEquals(MS_SHARED, parse("rprivate", "shared").propagation(), "the last one wins");
        assertEquals(0, parse("rprivate").flags(), "propagation is not a mount flag");
    }

    @Test
    void propagationByName() {
        assertEquals(MS_SLAVE | MS_REC, MountOptions.propagation("rslave"));
        assertNull(MountOptions.propagation("sideways"));
    }

    @Test
    void unknownOptionsBecomeFileSystemData() {
        MountOptions o = parse("nosuid", "strictatime", "mode=755", "", "size=65536k");
        assertEquals(MS_NOSUID | MS_STRICTATIME, o.flags());
        assertEquals("mode=755,size=65536k", o.data());
    }

    @Test
    void remountFlagsLeaveOutBindRecAndRemount() {
        MountOptions o = parse("rbind", "ro", "nosuid", "relatime", "remount");
        assertEquals(MS_RDONLY | MS_NOSUID | MS_RELATIME, o.remountFlags());
        assertEquals(0, parse("rbind", "rprivate").remountFlags());
    }
}
