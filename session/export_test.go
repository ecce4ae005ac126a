package session

// CutConnection closes the session's connection from this side's host, as
// a dropped link does.
func (s *Session) CutConnection() { s.host.ClosePeer(s.PeerID) }

// CloseHost closes this side's host without a bye: the other side never
// hears from it again.
func (s *Session) CloseHost() { s.host.Close() }
