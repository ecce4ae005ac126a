// Package wiretest holds what the wire formats' tests share: golden bytes
// written as readable hex.
//
// It is for _test.go files only: no package's own code may import it, and
// it imports nothing of ra-p2p.
package wiretest
