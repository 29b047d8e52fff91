"""Where the hostile suites put their scratch files."""

import os


def ram_disk(mib):
    """/dev/shm when it is writable and has `mib` MiB free, else None (the default
    temporary directory). Every build syncs the files it writes: on a RAM disk
    that costs nothing."""
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return None
    free = st.f_bavail * st.f_frsize // (1024 * 1024)
    return "/dev/shm" if free >= mib and os.access("/dev/shm", os.W_OK) else None
