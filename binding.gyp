{
  "variables": {
    # 1: the sanitizer build (`make sanitize-build`, clang-14, into build-asan/), never the shipped one.
    "np_sanitize%": 0
  },
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "native"
    ],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
    "conditions": [
      ["np_sanitize==1", {
        "cflags": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"],
        "ldflags": ["-fsanitize=address,undefined"]
      }]
    ]
  },
  "targets": [
    {
      "target_name": "np_openflow",
      "sources": ["<!@(ls -1 native/openflow/*.cc native/common/*.cc 2>/dev/null)"]
    },
    {
      "target_name": "np_netlink",
      "sources": ["<!@(ls -1 native/netlink/*.cc native/common/*.cc 2>/dev/null)"]
    },
    {
      "target_name": "netplugin-cni",
      "type": "executable",
      "sources": ["<!@(ls -1 native/cni/*.cc 2>/dev/null)"],
      "conditions": [
        # The sanitizer runtimes cannot be linked statically.
        ["np_sanitize==0", { "ldflags": ["-static"] }]
      ]
    }
  ]
}
