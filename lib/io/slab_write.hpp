// Writing one image or displacement field from z-slabs held by different ranks, without gathering the
// voxels on one rank. Every rank of `comm` calls writeImageSlabs (writeFieldSlabs) together, each with
// the slices it owns; the file is the one writeImage (image_io.hpp) or writeDisplacementField
// (field_io.hpp) would write for the whole image or field: same header (ITK writes it), same values
// (images: integers round half away from zero and clamp, NaN -> 0; fields: float32 as stored).
//
// A field is a NIfTI vector image (dim[5] = 3, intent 1007), which NIfTI stores component by
// component: all x values of the whole volume, then all y, then all z. A rank's slab of a field is
// therefore three byte ranges of the file, one per component, and everything below happens once per
// component (a scalar image has one).
//
//   .nii     rank 0 creates a temporary sibling at its full size and writes the header; every rank
//            then writes its slices at vox_offset + k0 * plane * bytes (pwrite).
//   .nii.gz  every rank compresses its slices as one independent gzip member per component (rank 0's
//            first member starts with the header); the members are ordered component 0 of ranks
//            0..n-1, then component 1 of ranks 0..n-1, ...; their sizes go through an exclusive prefix
//            sum (allreduceSum of a vector of components x ranks), and each rank writes each of its
//            members at its offset. Concatenated gzip
//            members are one valid gzip file (RFC 1952); zlib, ITK and gzip read them as one stream.
//            Memory: each rank holds its compressed member (typically well under its slab's size).
//   other    refused (Error Resource, naming the file): gather and use writeImage (writeDisplacementField).
//
// Atomic like writeImage: everything goes to a hidden temporary sibling that rank 0 renames onto
// `path` only after every rank has written. Every step ends with a reduction in which the ranks agree
// whether all succeeded; on any failure every rank throws the same ffdp::Error (the lowest failing
// rank's message, "<path>: cannot write: ... (rank r of n)"), and rank 0 removes the temporary file
// (the only file written; the other ranks write into it). No rank is left waiting in a reduction.
// The output folder must be one that every rank sees (a shared file system across nodes).
#pragma once
#include <string>

#include "dist/comm.hpp"
#include "dist/slab.hpp"
#include "core/field.hpp"
#include "io/field_io.hpp"
#include "io/image_io.hpp"

namespace ffdp {

// `slab` holds global slices `held` of the image whose grid is `whole` (slab.grid.size[2] ==
// held.count(); e.g. a slab buffer with halo), and this rank writes the slices `own`, which lie inside
// `held`. The ranks' `own` ranges, in rank order, must tile [0, nz) (SlabLayout::own does); a rank may
// own no slice. Every rank passes the same path, grid and type. Misuse (ranges that do not tile, a
// buffer that does not match, grids that differ between ranks) is Error(Internal) on every rank; I/O
// failures are Error(Resource).
void writeImageSlabs(Comm& comm, const std::string& path, const Grid& whole, const Image& slab,
                     const SliceRange& held, const SliceRange& own, PixelType type = PixelType::Float32);

// The common case: `slab` holds exactly the slices `own`.
inline void writeImageSlabs(Comm& comm, const std::string& path, const Grid& whole, const Image& slab,
                            const SliceRange& own, PixelType type = PixelType::Float32) {
  writeImageSlabs(comm, path, whole, slab, own, own, type);
}

// The same for a displacement field (three floats per voxel, LPS mm): `slab` holds global slices
// `held` of the field whose grid is `whole`, and this rank writes `own`. The file is the one
// writeDisplacementField writes for the whole field (.nii or .nii.gz only); the same rules and errors
// as writeImageSlabs.
void writeFieldSlabs(Comm& comm, const std::string& path, const Grid& whole, const Field& slab,
                     const SliceRange& held, const SliceRange& own);

inline void writeFieldSlabs(Comm& comm, const std::string& path, const Grid& whole, const Field& slab,
                            const SliceRange& own) {
  writeFieldSlabs(comm, path, whole, slab, own, own);
}

}  // namespace ffdp
