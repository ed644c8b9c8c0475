// ffdp-register: command-line entry. Parses, dispatches to a subcommand, and turns every
// user-visible failure into one line on stderr and a documented exit code (man page, EXIT STATUS).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <new>
#include <stdexcept>

#include "cli_apply.hpp"
#include "cli_eval.hpp"
#include "cli_register.hpp"
#include "core/error.hpp"
#include "dist/make_comm.hpp"
#include "dist/mpi_session.hpp"
#include "dist/run_or_abort.hpp"
#include "dist/timed_comm.hpp"
#include "version.hpp"
#ifdef FFDP_HAVE_CUDA
#include "device_info.cuh"
#endif

namespace {

std::string versionText() {
  std::string v = std::string("ffdp-register ") + FFDP_VERSION + "\nbackends: cpu (OpenMP)";
#ifdef FFDP_HAVE_CUDA
  v += ", cuda (CUDA " + ffdp::cuda::runtimeVersion() + ", sm_90)";
  for (const auto& d : ffdp::cuda::listDevices())
    v += "\nGPU " + std::to_string(d.index) + ": " + d.name + " (sm_" + std::to_string(d.major) +
         std::to_string(d.minor) + ", " + std::to_string(d.totalBytes >> 20) + " MiB)";
#endif
  return v;
}

std::string joinArguments(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

int errorExit(ffdp::ExitCode code, const std::string& message) {
  std::fprintf(stderr, "ffdp-register: error: %s\n", message.c_str());
  return static_cast<int>(code);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef FFDP_REQUIRES_AVX2
  // The CPU kernels were compiled for x86-64-v3; on an older CPU they would die with SIGILL.
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    return errorExit(ffdp::ExitCode::Resource,
                     "this CPU lacks AVX2/FMA, which this build needs; rebuild with -DFFDP_CPU_ARCH= (empty)");
#endif
  CLI::App app{"ffdp-register: 3-D image registration (rigid, affine) with ANTs-compatible files"};
  app.set_version_flag("--version", versionText());
  app.footer("Exit status: 0 success, 2 usage, 3 input, 4 output/resource, 5 internal. See man ffdp-register.");
  ffdp::cli::RegisterOptions registerOptions;
  ffdp::cli::ApplyOptions applyOptions;
  ffdp::cli::EvalOptions evalOptions;
  ffdp::cli::addRegisterOptions(app, registerOptions);
  CLI::App* apply = ffdp::cli::addApplyCommand(app, applyOptions);
  CLI::App* eval = ffdp::cli::addEvalCommand(app, evalOptions);
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return errorExit(ffdp::ExitCode::Usage, e.what());
  }

  try {
    if (apply->parsed()) return ffdp::cli::runApply(applyOptions);
    if (eval->parsed()) return ffdp::cli::runEval(evalOptions);
    // Under mpirun/srun every rank registers its slab of the same pair; a plain run is one rank.
    ffdp::MpiSession mpi;
    const std::unique_ptr<ffdp::Comm> world = ffdp::makeComm();
    ffdp::TimedComm comm(*world);
    const std::string commandLine = joinArguments(argc, argv);
    if (comm.size() == 1) return ffdp::cli::runRegister(registerOptions, commandLine, comm);
    // A failing rank must stop them all (MPI_Abort) instead of leaving the others waiting.
    int status = 0;
    ffdp::runOrAbort(comm, [&] { status = ffdp::cli::runRegister(registerOptions, commandLine, comm); });
    return status;
  } catch (const ffdp::Error& e) {
    return errorExit(e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return errorExit(ffdp::ExitCode::Resource, "out of memory");
  } catch (const std::length_error&) {
    return errorExit(ffdp::ExitCode::Resource, "out of memory (a buffer larger than the address space)");
  } catch (const std::exception& e) {
    return errorExit(ffdp::ExitCode::Internal, std::string("internal error: ") + e.what());
  }
}
