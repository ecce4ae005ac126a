// Package gosseract is an empty stand-in for github.com/otiai10/gosseract,
// which the Go module proxy does not serve. robotgo imports it only from an
// OCR file behind the "ocr" build tag, which ra-p2p never sets, but module
// resolution still needs the module to exist; go.mod replaces it with this
// folder. It has no code on purpose: building with -tags ocr fails loudly.
package gosseract
