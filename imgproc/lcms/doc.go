// Package lcms converts pixels to sRGB from the colours an ICC profile
// describes, as LittleCMS 2 converts them: with the system's LittleCMS,
// loaded at run time ([Load], [Lib.ToSRGB]), or with a pure-Go
// reimplementation of what LittleCMS computes for matrix/TRC profiles
// ([Portable]).
//
// # LittleCMS
//
// The library is opened with the project's internal/dynlib over
// [github.com/ebitengine/purego], rather than cgo, so that the package
// and every program importing it still build with CGO_ENABLED=0 (as
// imgproc/turbojpeg loads libjpeg-turbo). Debian and Ubuntu ship
// LittleCMS as liblcms2-2 (2.14 in Debian 12), Homebrew as little-cms2;
// any 2.8 or later will do. Errors LittleCMS reports while reading a
// profile or building a transform are collected through its error
// handler, per transform (each is built in a cmsContext of its own), and
// returned wrapping [ErrProfile].
//
// Conversions go to LittleCMS's built-in sRGB profile, the one Pillow's
// ImageCms.createProfile("sRGB") returns, and 8-bit pixels use the pixel
// type (TYPE_RGBA_8, alpha as an extra channel LittleCMS leaves alone) and
// the flags (none) Pillow's ImageCms uses, so that the result is
// ImageCms.profileToProfile's bit for bit (tested in imgproc against
// Pillow 9.4 and LittleCMS 2.14, for matrix/TRC, LUT-based RGB and CMYK
// profiles at both intents). 16-bit pixels are converted unoptimised: the
// optimised 16-bit transform resamples into a grid that puts colours
// outside sRGB's gamut up to 12 8-bit levels off.
//
// Transforms are costly to build and cheap to apply, so each [Lib] keeps
// the 16 it used last, keyed by the profile's SHA-256, the pixel formats
// and the intent, and frees an evicted one when its last user is done.
// They are shared between goroutines: since LittleCMS 2.3 cmsDoTransform
// works on a copy of the transform's one-pixel cache, so that a transform
// may be used by many threads at once (Marti Maria on lcms-user, December
// 2012), without cmsFLAGS_NOCACHE (which would change Pillow's flags).
//
// # Pure Go
//
// [Portable] reads the profile itself ([ParseProfile]) and applies RGB
// profiles made of three colorants and three tone curves, and grey
// profiles made of a tone curve, ICC version 2 or 4, the curves given as
// gamma values, tables or parametric functions (the five ICC types). It
// repeats LittleCMS's arithmetic: its built-in sRGB profile (Rec. 709
// primaries and D65 adapted to D50 with the Bradford matrix, computed as
// cmsCreate_sRGBProfile computes them), the matrices scaled for XYZ's 1.15
// encoding and multiplied in the same order, the black point compensation
// LittleCMS applies at the perceptual intent because its sRGB profile is
// version 4 (which changes nothing when the source's black is zero), and
// for 8-bit RGB the transform LittleCMS's optimiser makes: the
// matrix-shaper (tone curves evaluated in single precision into 1.14
// fixed-point tables, the matrix in 1.14 fixed point, sRGB's inverse curve
// tabulated at 16,385 points), the joined curves of an sRGB-like profile,
// or, when black point compensation adds an offset, the prelinearization
// curves and 33-point grid with tetrahedral interpolation that LittleCMS
// then builds, clipping and all. Grey and 16-bit pixels are converted in
// double precision. LUT-based profiles (A2B tags), CMYK and Lab are
// refused with an error wrapping [ErrUnsupported] that says to install
// LittleCMS.
//
// Measured against LittleCMS 2.14 on x86-64, over every 8-bit colour (16.7
// million) and both intents, with Display P3, Adobe RGB (1998), ProPhoto,
// Rec. 2020 with one parametric curve type per channel, a lifted-black v4
// profile, basICColor's L* RGB (256-entry tables) and two sRGB profiles:
// identical, but for 30 samples in 50 million that differ by one level
// (the lifted-black profile at the perceptual intent, through the grid).
// Grey through a gamma 2.2 profile: within one level (30 of 768 samples;
// LittleCMS resamples it into a 33-point grid). 16-bit: within one 16-bit
// level of LittleCMS's unoptimised result. On arm64 the C compiler may
// fuse multiply-adds that Go rounds separately, which can move a result
// by a level.
//
// # Cost
//
// On a 2-core x86-64 machine, 2560×1600 pixels from Display P3 (see
// BenchmarkToSRGB; transforms cached): 8-bit RGBA 20 ms in pure Go, 75 ms
// through LittleCMS (its generic pixel packing costs more than the
// arithmetic); 16-bit 146 ms in pure Go, 800 ms through LittleCMS
// unoptimised. Building a transform takes 1 to 2 ms for a matrix/TRC
// profile, tens of milliseconds for a CMYK profile's grid.
//
// # Concurrency
//
// [Lib], [Portable] and [Profile] are safe for concurrent use.
package lcms
