package render

// helpText is the in-app help page.
func (w *Window) helpText() string {
	if w.cfg.Role == Helper {
		return "How Remote Assistance works\n\n" +
			"• The right side shows " + w.cfg.PeerName + "'s screen, live. Press F11 to show it over the whole window, 1:1 (F11 or ESC again to come back); \"Actual size\" shows it at 100% with scrolling.\n" +
			"• Chat: type in the box at the bottom left and press ENTER or Send. The history also records changes such as \"Connected to …\".\n" +
			"• Take Control asks " + w.cfg.PeerName + " to let you use the mouse and keyboard over the screen on the right. Once allowed, click in the screen to type there; click in the chat box to type a message. Release Control gives it back.\n" +
			"• " + w.cfg.PeerName + " can take control back at any moment by pressing ESC on their keyboard.\n" +
			"• Send a File, Start Talking and Settings are not available in this version yet; their buttons stay greyed out.\n" +
			"• Disconnect (or closing the window) ends the session for both of you."
	}
	return "How Remote Assistance works\n\n" +
		"• Your helper sees your screen while you are connected. They can use your mouse and keyboard only if you allow it when asked.\n" +
		"• While your helper has control, press ESC (or Stop Control) to take it back at once.\n" +
		"• Chat: type in the box at the bottom and press ENTER or Send.\n" +
		"• Disconnect (or closing this window) ends the session at once.\n" +
		"• Send a File and Start Talking are not available in this version yet."
}

func (w *Window) openHelp() {
	w.showDialog(&dialog{text: w.helpText(), yes: "Close", answers: make(chan string, 1)})
}
