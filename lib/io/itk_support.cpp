#include "io/itk_support.hpp"

#include "io/image_io.hpp"

#include <itkConfigure.h>
#include <itkMatlabTransformIOFactory.h>
#include <itkMatrixOffsetTransformBase.h>
#include <itkMetaImageIOFactory.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIOFactory.h>
#include <itkObjectFactoryBase.h>
#include <itkTransformFactory.h>
#include <itkTransformFactoryBase.h>
#include <itkTxtTransformIOFactory.h>

#include <mutex>

namespace ffdp {

namespace {

// ITK's RegisterFactory only refuses the very same object, so compare by class name: the static
// registration of ITK's reader headers may have registered these already.
void registerOnce(itk::ObjectFactoryBase* factory) {
  const std::string name = factory->GetNameOfClass();
  for (itk::ObjectFactoryBase* registered : itk::ObjectFactoryBase::GetRegisteredFactories())
    if (name == registered->GetNameOfClass()) return;
  itk::ObjectFactoryBase::RegisterFactory(factory);
}

}  // namespace

void registerItkFactories() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerOnce(itk::NiftiImageIOFactory::New());
    registerOnce(itk::NrrdImageIOFactory::New());
    registerOnce(itk::MetaImageIOFactory::New());
    registerOnce(itk::MatlabTransformIOFactory::New());
    registerOnce(itk::TxtTransformIOFactory::New());
    itk::TransformFactoryBase::RegisterDefaultTransforms();
    // Older ANTs versions write 0GenericAffine.mat as MatrixOffsetTransformBase, which ITK's default
    // list lacks; ANTs registers it itself, and so do we.
    itk::TransformFactory<itk::MatrixOffsetTransformBase<double, 3, 3>>::RegisterTransform();
    itk::TransformFactory<itk::MatrixOffsetTransformBase<float, 3, 3>>::RegisterTransform();
  });
}

std::string oneLine(const std::string& text) {
  // Collapse whitespace runs (ITK messages span lines).
  std::string flat;
  bool space = false;
  for (char ch : text) {
    if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
      space = !flat.empty();
      continue;
    }
    if (space) flat += ' ';
    space = false;
    flat += ch;
  }
  // Drop ITK's "ITK ERROR: ClassName(0x55d0c0ffee): " prefixes: object addresses mean nothing to a user.
  const std::string marker = "ITK ERROR: ";
  for (size_t at; (at = flat.find(marker)) != std::string::npos;) {
    const size_t close = flat.find("): ", at);
    const size_t paren = flat.find("(0x", at);
    if (close == std::string::npos || paren == std::string::npos || paren > close) {
      flat.erase(at, marker.size());
      continue;
    }
    flat.erase(at, close + 3 - at);
  }
  // ITK sometimes appends long listings (every registered transform type); keep the sentence.
  const size_t listing = flat.find(" Currently registered");
  if (listing != std::string::npos) flat.erase(listing);
  const size_t limit = 400;
  if (flat.size() > limit) flat = flat.substr(0, limit) + " ...";
  return flat;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

std::string itkVersion() {
  return std::to_string(ITK_VERSION_MAJOR) + "." + std::to_string(ITK_VERSION_MINOR) + "." + std::to_string(ITK_VERSION_PATCH);
}

}  // namespace ffdp
