// netplugin-cni: the CNI plugin executable a container runtime runs. It answers VERSION
// itself and relays every other call (env + stdin) to the local netagent, which holds all
// CNI semantics; the agent's answer is written verbatim and becomes the exit code. Kept
// native and tiny because a runtime execs it once per pod and verb (docs/platform.md: a Node.js
// process would cost ~110 ms before doing anything).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "cni/json_lite.h"
#include "cni/relay.h"

namespace {

constexpr const char* kDefaultSocket = "/run/netplugin/agent.sock";
constexpr const char* kRoute = "/v1/cni";
// The spec versions this plugin speaks; must match SUPPORTED_VERSIONS in src/cni/versions.ts.
constexpr const char* kSupported = "[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]";
constexpr const char* kLatest = "1.1.0";
// ADD can take seconds on a loaded host; past two minutes the runtime should retry.
constexpr int kDefaultTimeoutMs = 120000;

// The CNI_* variables forwarded to the agent (the protocol's parameters).
constexpr const char* kEnvNames[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"};

// The agent's local API takes request bodies up to 4 MiB; a bigger configuration could
// never be served, so reading stops one byte past it instead of buffering all of it.
constexpr size_t kMaxStdin = 4 * 1024 * 1024;

// Reads `fd` to its end, or to one byte past `limit` (then *over is set).
std::string ReadAll(int fd, size_t limit, bool* over) {
  std::string out;
  char buf[65536];
  *over = false;
  for (;;) {
    size_t want = std::min(sizeof(buf), limit + 1 - out.size());
    ssize_t n = read(fd, buf, want);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > limit) {
        *over = true;
        break;
      }
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return out;
}

void WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n > 0) {
      s.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno != EINTR) {
      return;
    }
  }
}

// A top-level string member of the config, or `fallback` when absent or not a string.
std::string ConfigString(std::string_view config, std::string_view key, const std::string& fallback) {
  std::string_view raw;
  std::string v;
  if (npcni::FindMember(config, key, &raw) && npcni::DecodeString(raw, &v) && !v.empty()) return v;
  return fallback;
}

// Prints a spec error result and returns the exit code for it.
int Fail(const std::string& cni_version, int code, const std::string& msg, const std::string& details) {
  std::string out = "{\"cniVersion\":";
  npcni::AppendJsonString(out, cni_version);
  out += ",\"code\":" + std::to_string(code) + ",\"msg\":";
  npcni::AppendJsonString(out, msg);
  out += ",\"details\":";
  npcni::AppendJsonString(out, details);
  out += "}\n";
  WriteAll(1, out);
  return 1;
}

int TimeoutMs() {
  // For tests and slow hosts only; the default follows the brief (120 s).
  const char* t = getenv("NETPLUGIN_CNI_TIMEOUT_MS");
  if (t && *t) {
    char* end = nullptr;
    long v = strtol(t, &end, 10);
    if (*end == '\0' && v > 0 && v <= 3600000) return static_cast<int>(v);
  }
  return kDefaultTimeoutMs;
}

}  // namespace

int main() {
  const char* command = getenv("CNI_COMMAND");
  bool stdin_over = false;
  const std::string config = ReadAll(0, kMaxStdin, &stdin_over);
  if (stdin_over) {
    // Code 7 (invalid network configuration): a retry would send the same bytes.
    return Fail(kLatest, 7, "invalid network configuration: larger than " + std::to_string(kMaxStdin) + " bytes",
                "the configuration on stdin exceeds the netplugin agent's limit of " + std::to_string(kMaxStdin) + " bytes");
  }
  const std::string version = ConfigString(config, "cniVersion", "");
  const std::string reply_version = version.empty() ? kLatest : version;

  if (command && strcmp(command, "VERSION") == 0) {
    std::string out = "{\"cniVersion\":";
    npcni::AppendJsonString(out, reply_version);
    out += ",\"supportedVersions\":";
    out += kSupported;
    out += "}\n";
    WriteAll(1, out);
    return 0;
  }
  if (!command || !*command) {
    return Fail(reply_version, 4, "invalid environment variable CNI_COMMAND", "CNI_COMMAND is not set");
  }

  const char* env_socket = getenv("NETPLUGIN_AGENT_SOCKET");
  const std::string socket_path = ConfigString(config, "agentSocket", env_socket && *env_socket ? env_socket : kDefaultSocket);

  std::string body = "{\"env\":{";
  bool first = true;
  for (const char* name : kEnvNames) {
    const char* v = getenv(name);
    if (!v) continue;
    if (!first) body += ',';
    first = false;
    npcni::AppendJsonString(body, name);
    body += ':';
    npcni::AppendJsonString(body, v);
  }
  body += "},\"stdin\":";
  npcni::AppendJsonString(body, config);
  body += '}';

  const bool status_call = strcmp(command, "STATUS") == 0;
  npcni::RelayResult r = npcni::PostUnix(socket_path, kRoute, body, TimeoutMs());
  if (r.kind == npcni::RelayResult::kUnreachable || r.kind == npcni::RelayResult::kTimeout) {
    if (status_call) return Fail(reply_version, 50, "plugin not available: netplugin agent unreachable", r.detail);
    return Fail(reply_version, 11, "try again later: netplugin agent unreachable", r.detail);
  }
  if (r.kind == npcni::RelayResult::kBadResponse) {
    return Fail(reply_version, 11, "try again later: no usable answer from the netplugin agent", r.detail);
  }
  if (r.status != 200) {
    // 503: the agent is up but cannot serve yet; anything else is an agent without this
    // route or a bug, which retrying will not fix.
    std::string detail = "agent at " + socket_path + " answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 512);
    if (r.status == 503) return Fail(reply_version, status_call ? 50 : 11, "try again later: netplugin agent not ready", detail);
    return Fail(reply_version, 999, "internal error: netplugin agent refused the CNI call", detail);
  }

  std::string_view raw;
  int exit_code = 0;
  std::string out;
  if (!npcni::FindMember(r.body, "exitCode", &raw) || !npcni::DecodeInt(raw, &exit_code) || exit_code < 0 || exit_code > 255 ||
      !npcni::FindMember(r.body, "stdout", &raw) || !npcni::DecodeString(raw, &out)) {
    return Fail(reply_version, 999, "internal error: malformed answer from the netplugin agent", r.body.substr(0, 512));
  }
  WriteAll(1, out);
  return exit_code;
}
