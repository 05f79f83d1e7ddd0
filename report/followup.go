package report

import (
	"cmp"
	"slices"

	"deputybot"
)

// Followup is the office's yearly 回头看: every item of the year whose
// reply was class B or C, with its promises and the deputy's answers.
type Followup struct {
	Year  int
	Items []*deputybot.Item // by number
	// Promises of those items: all, and by the deputy's answer (Waiting:
	// not answered yet).
	Promises, Kept, Partly, Unkept, Waiting int
}

// ComputeFollowup computes the 回头看 list of year.
func ComputeFollowup(in deputybot.Snapshot, year int) *Followup {
	f := &Followup{Year: year}
	for _, it := range in.Items {
		if !InYear(it, year) || !it.Handled() || !promised(it) {
			continue
		}
		f.Items = append(f.Items, it)
		for _, p := range it.Promises {
			f.Promises++
			switch p.Answer {
			case deputybot.PromiseKept:
				f.Kept++
			case deputybot.PromisePartly:
				f.Partly++
			case deputybot.PromiseUnkept:
				f.Unkept++
			default:
				f.Waiting++
			}
		}
	}
	sortByNumber(f.Items)
	return f
}

// promised reports whether any reply of the item was class B or C.
func promised(it *deputybot.Item) bool {
	for _, r := range it.Replies {
		if r.Class.Promise() {
			return true
		}
	}
	return false
}

// UnkeptPromises are the items (of any year) with a promise the deputy
// says was not, or only partly, kept: the supervisors' digest lists them.
func UnkeptPromises(items []*deputybot.Item) []*deputybot.Item {
	var out []*deputybot.Item
	for _, it := range items {
		if len(it.UnkeptPromises()) > 0 {
			out = append(out, it)
		}
	}
	sortByNumber(out)
	return out
}

// sortByNumber orders items by year, kind and sequence.
func sortByNumber(items []*deputybot.Item) {
	slices.SortFunc(items, func(a, b *deputybot.Item) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Seq, b.Seq))
	})
}
