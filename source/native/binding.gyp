{
  "targets": [
    {
      "target_name": "berth_native",
      "sources": ["addon.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "berth-shim",
      "type": "executable",
      "sources": ["shim/main.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-D_GNU_SOURCE"]
    }
  ]
}
