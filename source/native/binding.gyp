{
  "targets": [
    {
      "target_name": "berth_native",
      "sources": ["addon.c", "sha256.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "berth",
      "type": "executable",
      "sources": ["launcher.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "berth-shim",
      "type": "executable",
      "sources": [
        "shim/attach.c", "shim/caps.c", "shim/cgroupfs.c", "shim/conf.c", "shim/container.c",
        "shim/devices.c", "shim/exec.c", "shim/io.c", "shim/log.c", "shim/main.c",
        "shim/mounts.c", "shim/overlay.c", "shim/process.c", "shim/seccomp.c",
        "shim/seccomp_i386.c", "shim/signals.c", "shim/sync.c", "shim/user.c", "shim/util.c"
      ],
      "cflags": ["-Wall", "-Wextra", "-O2", "-D_GNU_SOURCE"]
    }
  ]
}
