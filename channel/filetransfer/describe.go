package filetransfer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ra-p2p/ra-p2p/transfer"
)

// describe names what an offer holds for a sentence: "report.pdf", "the
// folder photos (12 files)", "3 files". Names from the other side are
// made safe to show first.
func describe(o *transfer.Offer) string {
	tops := topLevel(o)
	switch {
	case len(o.Files) == 1 && len(tops) == 1 && !strings.Contains(o.Files[0].Name, "/"):
		return transfer.Display(o.Files[0].Name)
	case len(tops) == 1:
		return fmt.Sprintf("the folder %s (%d %s)", transfer.Display(tops[0]), len(o.Files), plural(len(o.Files), "file", "files"))
	}
	return fmt.Sprintf("%d files", len(o.Files))
}

// topLevel is what was offered at the top, in offer order: files and
// folders (the first element of every name).
func topLevel(o *transfer.Offer) []string {
	var tops []string
	seen := map[string]bool{}
	for _, f := range o.Files {
		top, _, _ := strings.Cut(f.Name, "/")
		if !seen[top] {
			seen[top] = true
			tops = append(tops, top)
		}
	}
	return tops
}

// topNames lists the first few things offered for the question, a folder
// with a slash: "report.pdf", "photos/".
func topNames(l *transfer.Layout) []string {
	const most = 5
	var names []string
	for _, it := range l.Items {
		if len(names) == most {
			names = append(names, "…")
			break
		}
		n := transfer.Display(it.Name)
		if it.Folder {
			n += "/"
		}
		names = append(names, n)
	}
	return names
}

// skippedText says what the sender left out of an offer.
func skippedText(peer string, skipped []transfer.Skipped) string {
	const most = 5
	var parts []string
	for i, sk := range skipped {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(skipped)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", sk.Name, sk.Reason))
	}
	return fmt.Sprintf("%s's computer left out %d %s: %s.", peer, len(skipped), plural(len(skipped), "item", "items"), strings.Join(parts, ", "))
}

// plainOfferError says why files could not be offered.
func plainOfferError(err error) error {
	switch {
	case errors.Is(err, transfer.ErrNotRegular):
		return fmt.Errorf("%s: only files and folders can be sent", strings.TrimPrefix(err.Error(), "transfer: "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "transfer: "))
}

// plainPlanError says why an offer is refused before anyone is asked: to
// this side's person (the end of "Bob tried to send you …, but") and to
// the sender's (no local paths).
func plainPlanError(err error) (here, there string) {
	var oe *transfer.OfferError
	switch {
	case errors.As(err, &oe):
		return "it holds names that cannot be saved safely, so it was refused: " + strings.TrimPrefix(oe.Error(), "transfer: "),
			"it holds names that cannot be saved safely"
	case errors.Is(err, transfer.ErrNotEnoughSpace):
		return "it does not fit: " + strings.TrimPrefix(err.Error(), "transfer: "), "there is not enough free space on that computer"
	}
	return "it could not be received: " + strings.TrimPrefix(err.Error(), "transfer: "), "it could not be received"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// renamed says which items were saved under another name than offered
// (a file of that name was there already): " (saved as notes (1).txt)".
func renamed(l *transfer.Layout, res *transfer.Result) string {
	var as []string
	for i, saved := range res.Saved {
		if i < len(l.Items) && filepath.Base(saved) != l.Items[i].Name {
			as = append(as, transfer.Display(filepath.Base(saved)))
		}
	}
	if len(as) == 0 {
		return ""
	}
	return " (saved as " + strings.Join(as, ", ") + ")"
}
