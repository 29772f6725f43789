package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.linux.Bpf;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.Syscalls;
import java.nio.file.Path;
import java.util.List;

/**
 * The device rules of a cgroup v2 directory, enforced by the {@link DeviceFilter} program attached to
 * it. Attached with BPF_F_ALLOW_MULTI, as runc does, so that programs of the parent cgroups apply too.
 * Programs attached to the directory before (an earlier container's in a reused cgroup) are detached
 * once the new one is in place; in between both apply, and an access needs both to allow it, so it is
 * never more open than either. The kernel frees the program with the cgroup.
 */
final class CgroupDeviceProgram {
    /** Its name in bpftool and /proc/kallsyms. */
    private static final String NAME = "futaba_devices";

    private CgroupDeviceProgram() {
    }

    static void attach(Path cgroupDir, List<Spec.DeviceRule> rules) {
        long[] program = DeviceFilter.compile(rules);
        Syscalls sys = LinuxSyscalls.INSTANCE;
        int dirFd = -1;
        int programFd = -1;
        try {
            dirFd = sys.open(Syscalls.AT_FDCWD, cgroupDir.toString(), Syscalls.O_RDONLY);
            int[] earlier = Bpf.attachedPrograms(dirFd, Bpf.CGROUP_DEVICE);
            programFd = Bpf.loadProgram(Bpf.PROG_TYPE_CGROUP_DEVICE, program, DeviceFilter.LICENSE, NAME);
            Bpf.attach(dirFd, programFd, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI);
            for (int id : earlier) {
                int earlierFd = Bpf.programFd(id);
                try {
                    Bpf.detach(dirFd, earlierFd, Bpf.CGROUP_DEVICE);
                } finally {
                    sys.close(earlierFd);
                }
            }
        } catch (LinuxException e) {
            throw new FutabaException("linux.resources.devices: cannot attach the device program to " + cgroupDir
                    + ": " + e.getMessage(), e);
        } finally {
            sys.close(programFd); // the attachment holds the program
            sys.close(dirFd);
        }
    }
}
