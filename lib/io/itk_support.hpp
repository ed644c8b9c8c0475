// Glue shared by the files of lib/io that call ITK, kept free of ITK types so that it can be a header.
#pragma once
#include <string>

namespace ffdp {

// Registers the image IO (NIfTI, NRRD, MetaImage) and transform IO (MATLAB .mat, text .txt/.tfm)
// factories and ITK's default transform types, once per process. ITK's static registration already
// does this where its reader headers are included; doing it explicitly keeps reading working even
// when a build turns that mechanism off.
void registerItkFactories();

// ITK's exception descriptions span several lines and can carry file/line noise; users get one line.
std::string oneLine(const std::string& text);

// ITK's messages name the file it was given; users know the target, not our temporary sibling.
std::string replaceAll(std::string text, const std::string& from, const std::string& to);

}  // namespace ffdp
