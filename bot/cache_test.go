package bot_test

import (
	"testing"
)

// TestAssignDialogueDoesNotBreakDepartmentLookups: choosing
// co-departments once deleted the lead from the stored department list in
// place, and every later department lookup, for every user, panicked.
func TestAssignDialogueDoesNotBreakDepartmentLookups(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	one(t, h.Press(c.deputy, file(t, h, c.deputy, "Suggestion", "Lift", "Old blocks need lifts.", "Other"), "Submit"), "Submitted")
	c.admin.Unread()
	q := one(t, h.Do(c.admin, "/assign 2026-001"), "lead department")
	q = one(t, h.Press(c.admin, q, "Housing Bureau"), "co-departments")
	// A new department empties the cache, so the next prompt reads the
	// list from the store.
	one(t, h.Do(c.admin, "/departments add Water Bureau"), "Water Bureau added")
	q = inPlace(t, h, c.admin, q, "Civil Affairs Bureau", "co-departments")
	q = inPlace(t, h, c.admin, q, "Water Bureau", "co-departments")
	if q.Button("✅ Civil Affairs Bureau") == nil || q.Button("✅ Water Bureau") == nil {
		t.Fatalf("the edited question does not mark both choices: %v", q.Buttons())
	}
	// Everyone's department lookups still work.
	one(t, h.Do(c.admin, "/departments"), "Departments (4)", "Housing Bureau", "Water Bureau")
	one(t, h.Do(c.lead, "/pending"), "no open items")
	q = one(t, h.Press(c.admin, q, "Done"), "Leader in charge")
	q = one(t, h.Press(c.admin, q, "No leader"), "key supervision")
	q = one(t, h.Press(c.admin, q, "No"), "reply is due")
	q = one(t, h.Press(c.admin, q, "Use 2026-06-02"), "Lead: Housing Bureau", "Civil Affairs Bureau", "Water Bureau")
	one(t, h.Press(c.admin, q, "✅ Assign"), "assigned; reply due 2026-06-02")
}
