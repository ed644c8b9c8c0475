// `ffdp-register eval`: numbers a user checks after a registration.
//   eval dice       Dice per label and mean between two label maps
//   eval diff       statistics of an image difference
//   eval transform  distance between two transforms over a reference grid (mm, degrees)
//   eval jacobian   Jacobian-determinant statistics of a displacement field (folds: det <= 0)
//   eval inverse-consistency  |u(x) + v(x + u(x))| of a forward field and its inverse
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ffdp::cli {

struct EvalOptions {
  std::string reference, test;                  // dice: label maps; diff: images
  std::string mask;                             // diff, transform: restrict to a mask
  std::vector<std::string> estimate, truth;     // transform: -t style lists
  std::string field, inverseField;              // jacobian: field; inverse-consistency: both
  bool json = false;
  CLI::App* dice = nullptr;
  CLI::App* diff = nullptr;
  CLI::App* transform = nullptr;
  CLI::App* jacobian = nullptr;
  CLI::App* inverseConsistency = nullptr;
};

CLI::App* addEvalCommand(CLI::App& app, EvalOptions& options);
int runEval(const EvalOptions& options);

}  // namespace ffdp::cli
