{
  # pipelab's optional native BLAS; scripts/build-native.mjs builds it at install.
  # find-openblas.js is the one place that knows where OpenBLAS lives.
  "targets": [
    {
      "target_name": "pipelab_blas",
      "sources": ["blas.c"],
      "include_dirs": ["<!(node find-openblas.js include)"],
      "libraries": ["<!@(node find-openblas.js libs)"],
      "cflags": ["-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-std=c11", "-Wall", "-Wextra"] }
    }
  ]
}
