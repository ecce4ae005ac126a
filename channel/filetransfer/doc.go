// Package filetransfer is the file channel (/ra-p2p/file/1.0.0): Send a
// File, both ways. Either side offers files and folders (Send, a stream
// per transfer, so a big file never holds up chat or control) and takes
// the other side's offers: its person is asked (session.AskReceiveFiles)
// with the whole offer in view, and only then is anything written, into
// the downloads folder. Both sides see each transfer's progress and how it
// ended (session.EventTransfer), and either may cancel it.
//
// A transfer cut by a lost connection is not lost: when the session comes
// back (it reconnects by itself) the sender offers the same files again,
// the receiver recognises the offer it already accepted, and the transfer
// goes on from the last verified chunk (package transfer keeps the parts).
//
// It must never write outside the downloads folder nor before the person
// said yes (package transfer's Plan and Receive see to both), never ask
// anything but through the session, and never block the window's game
// loop (Send, Cancel and CancelAll return at once or nearly).
package filetransfer
