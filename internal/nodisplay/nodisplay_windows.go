package nodisplay

// Windows always has a desktop to open windows on: nothing to replace.
