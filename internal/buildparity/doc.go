// Package buildparity checks, from a package's test, that the files of one
// build (cgo) and those of its stand-in (!cgo) declare the same exported
// API: the same functions and methods with the same signatures, the same
// types with the same exported fields, the same constants and variables.
// A package whose real code needs cgo (audio through miniaudio, voice
// through libopus) keeps a small stand-in for builds without cgo (the
// Windows .exe) that says it cannot work; this keeps the two from
// drifting apart when the real code changes, without restructuring it.
//
// It reads source files only (go/parser): it never builds, runs or loads
// the package, so the check is the same in either build. It must never be
// imported by anything but tests.
package buildparity
