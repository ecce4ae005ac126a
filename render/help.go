package render

// helpText is the in-app help page.
func (w *Window) helpText() string {
	if w.cfg.Role == Helper {
		return "How Remote Assistance works\n\n" +
			"• The right side shows " + w.cfg.PeerName + "'s screen, live. Press F11 to show it over the whole window, 1:1 (F11 or ESC again to come back); \"Actual size\" shows it at 100% with scrolling.\n" +
			"• Chat: type in the box at the bottom left and press ENTER or Send. The history also records changes such as \"Connected to …\".\n" +
			"• Take Control, Send a File, Start Talking and Settings are not available in this version yet; their buttons stay greyed out.\n" +
			"• When control exists, " + w.cfg.PeerName + " can take it back at any moment by pressing ESC.\n" +
			"• Disconnect (or closing the window) ends the session for both of you."
	}
	return "How Remote Assistance works\n\n" +
		"• Your helper sees your screen while you are connected. They cannot control your computer.\n" +
		"• Chat: type in the box at the bottom and press ENTER or Send.\n" +
		"• Disconnect (or closing this window) ends the session at once.\n" +
		"• Send a File and Start Talking are not available in this version yet."
}

func (w *Window) openHelp() {
	w.showDialog(&dialog{text: w.helpText(), yes: "Close", answers: make(chan string, 1)})
}
