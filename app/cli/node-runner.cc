#include "app/cli/node-runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace fs = std::filesystem;

namespace heaplab::cli {

namespace {

// The V8 flags of the table that real node understands, as node spells them.
const char* const kNodeFlags[] = {"max_semi_space_size",
                                  "min_semi_space_size",
                                  "semi_space_growth_factor",
                                  "max_old_space_size",
                                  "max_heap_size",
                                  "incremental_marking",
                                  "allocation_site_pretenuring",
                                  "page_promotion",
                                  "page_promotion_threshold",
                                  "memory_reducer_for_small_heaps",
                                  "gc_memory_reducer_start_delay_ms"};

}  // namespace

std::vector<std::string> NodeFlags(const HeapFlags& flags) {
  static const HeapFlags defaults;
  std::vector<std::string> v8_flags;
  for (const char* name : kNodeFlags) {
    const FlagInfo* f = FindFlag(name);
    const std::string v = GetFlag(flags, *f), d = GetFlag(defaults, *f);
    if (v == d) continue;
    if (f->type == FlagType::kBool)
      v8_flags.push_back(v == "true" ? "--" + std::string(f->cli_name)
                                     : "--no-" + std::string(f->cli_name));
    else
      v8_flags.push_back("--" + std::string(f->cli_name) + "=" + v);
  }
  return v8_flags;
}

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string FindShippedFile(const std::string& source_path, const std::string& installed_path) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& p : {exe.parent_path() / "../.." / source_path,
                            exe.parent_path() / "../share/heaplab" / installed_path,
                            fs::path(HEAPLAB_SOURCE_DIR) / source_path}) {
    if (fs::exists(p, ec)) return fs::weakly_canonical(p, ec).string();
  }
  return {};
}

std::string TwinScript() {
  return FindShippedFile("tools/node-twin/twin.js", "node-twin/twin.js");
}

int RunProcess(const std::vector<std::string>& argv,
               const std::string& out,
               const std::string& err,
               double* wall_s) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  *wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> TwinCommand(const std::string& node_path,
                                     const std::vector<std::string>& node_flags,
                                     const std::string& twin,
                                     const std::string& workload,
                                     std::uint64_t seed,
                                     double duration_ms,
                                     bool pace) {
  std::vector<std::string> argv = {node_path, "--trace-gc-nvp", "--expose-gc"};
  argv.insert(argv.end(), node_flags.begin(), node_flags.end());
  argv.insert(argv.end(), {twin, workload, "--seed=" + std::to_string(seed)});
  if (duration_ms > 0) argv.push_back("--duration=" + std::to_string(duration_ms));
  if (pace) argv.push_back("--pace");
  return argv;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace heaplab::cli
