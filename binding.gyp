{
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "native"
    ],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
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
      "ldflags": ["-static"]
    }
  ]
}
