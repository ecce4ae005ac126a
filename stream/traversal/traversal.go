package traversal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Protocol IDs, listed with the others in stream/protocols.go.
// multistream-select matches them exactly, so only a breaking change bumps
// the major version; new optional JSON fields are compatible.
const (
	// PunchProtocol coordinates a birthday punch over the relayed
	// connection (p2p/punch.go).
	// 1.0.0 (2026-12-02): first version.
	PunchProtocol = "/ra-p2p/punch/1.0.0"
	// NATReportProtocol: a helper asks a novice how its router maps ports,
	// over the relayed connection used to coordinate (p2p/natreport.go).
	// 1.0.0 (2026-11-25): first version.
	// 1.0.0 (2026-12-02): the "ipv6", "mapping_pending" and
	// "forwarded_addrs" fields; older peers omit them (read as false, empty).
	NATReportProtocol = "/ra-p2p/nat/1.0.0"
)

// Size caps, part of the wire formats.
const (
	MaxPunchMessage = 512  // bytes of one punch message, its newline included
	MaxNATReport    = 1024 // bytes of a NAT report
)

// ErrTooLarge is returned when a message would be, or is, over its cap.
var ErrTooLarge = errors.New("traversal: message larger than the protocol allows")

// PunchNonceSize is the size of a punch plan's nonce.
const PunchNonceSize = 16

// Roles in a birthday punch, as a plan names them (the receiver's role).
const (
	RoleHard = "hard" // the side whose router gives a new port to every destination: it opens many sockets
	RoleEasy = "easy" // the side whose router keeps ports: it probes the hard side's ports
)

// PunchMessage is one message of the punch protocol: a plan or an answer
// (see the package documentation for which fields each carries).
type PunchMessage struct {
	Nonce []byte `json:"nonce,omitempty"`
	Proof []byte `json:"proof,omitempty"` // invite.PunchProof of the nonce and both peer IDs
	Role  string `json:"role,omitempty"`  // the receiver's role: RoleHard or RoleEasy
	Addr  string `json:"addr,omitempty"`  // the sender's public UDP address, ip:port
	Err   string `json:"err,omitempty"`   // a refusal, in words
}

// WritePunch writes m, refusing a message over MaxPunchMessage so a peer
// never receives what it must reject.
func WritePunch(w io.Writer, m PunchMessage) error {
	return write(w, "punch message", MaxPunchMessage, m, true)
}

// ReadPunch reads one punch message, reading at most MaxPunchMessage bytes.
func ReadPunch(r io.Reader) (PunchMessage, error) {
	var m PunchMessage
	err := read(r, "punch message", MaxPunchMessage, &m)
	return m, err
}

// Mappings a NAT report names, as judged from what public peers observed
// (p2p.Mapping).
const (
	MappingUnknown      = "unknown"
	MappingKeepsPorts   = "keeps-ports"
	MappingChangesPorts = "changes-ports"
)

// NATReport is what a peer tells about its own network.
type NATReport struct {
	Mapping        string   `json:"mapping"`                   // MappingUnknown, MappingKeepsPorts or MappingChangesPorts
	IPv6           bool     `json:"ipv6,omitempty"`            // the peer has a public IPv6 address to listen on
	MappingPending bool     `json:"mapping_pending,omitempty"` // the peer is still asking its router to forward a port
	ForwardedAddrs []string `json:"forwarded_addrs,omitempty"` // multiaddrs of the ports the peer's router forwards to it
}

// WriteNATReport writes r, refusing a report over MaxNATReport.
func WriteNATReport(w io.Writer, r NATReport) error {
	return write(w, "NAT report", MaxNATReport, r, false)
}

// ReadNATReport reads one NAT report, reading at most MaxNATReport bytes.
func ReadNATReport(r io.Reader) (NATReport, error) {
	var rep NATReport
	err := read(r, "NAT report", MaxNATReport, &rep)
	return rep, err
}

// write writes v as JSON in one Write, followed by a newline when nl (the
// punch protocol's messages end in one, as json.Encoder wrote them).
func write(w io.Writer, what string, limit int, v any, nl bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", what, err)
	}
	if nl {
		b = append(b, '\n')
	}
	if len(b) > limit {
		return fmt.Errorf("writing %s of %d bytes (limit %d): %w", what, len(b), limit, ErrTooLarge)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}

// read decodes one JSON value into v from at most limit bytes of r. It
// stops reading once the value is complete and ignores what came with it:
// neither protocol sends anything after its message in the same direction.
func read(r io.Reader, what string, limit int, v any) error {
	c := &capped{r: r, left: limit}
	if err := json.NewDecoder(c).Decode(v); err != nil {
		if c.hit {
			return fmt.Errorf("reading %s (limit %d bytes): %w", what, limit, ErrTooLarge)
		}
		return fmt.Errorf("reading %s: %w", what, err)
	}
	return nil
}

// capped reads at most left bytes of r and says whether it stopped there.
type capped struct {
	r    io.Reader
	left int
	hit  bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.hit = true
		return 0, io.EOF
	}
	n, err := c.r.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}
