// Package terminal is the line-based user interface of a session: questions
// and chat on standard input and output. It implements session.UI for
// `--no-gui`, and its printing half mirrors the windows' history on the
// terminal they were started from (handy there, and what tests read).
//
// It must never know how a session is made or what is on the wire: it
// words the session's typed questions and events, and reads lines.
package terminal
