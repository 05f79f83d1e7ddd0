package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/public"
	"deputybot/texts"
)

func published(r *deputybot.Rules) { r.Disclosure.Enabled = true }

// site is the public site over the harness's record.
func site(t testing.TB, h *apptest.Harness) *public.Site {
	t.Helper()
	tx, err := texts.Load(apptest.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return public.New(public.Options{Snapshots: h.App.Service, Store: h.App.Store, Texts: tx, Rules: &h.Config.Rules, Clock: h.Clock.Now})
}

func render(t testing.TB, s *public.Site, path string) string {
	t.Helper()
	p, err := s.Render(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(p.Body)
}

// TestWithholdingAskedAndDecided: a department asks that an item not be
// published, the office agrees, and the site shows only its number; a
// request about a reply is refused and the reply stays public.
func TestWithholdingAskedAndDecided(t *testing.T) {
	c := newCast(t, "en", apptest.WithRules(published))
	h := c.h
	n := c.assigned(t, "Lift for No. 5")
	s := site(t, h)
	if !strings.Contains(render(t, s, "/en/items/suggestion-"+n+".html"), "Lift for No. 5") {
		t.Fatal("an assigned item is not public")
	}
	cd := card(t, h, c.lead, n)
	if cd.Button("🔒 Ask not to publish the reply") != nil {
		t.Fatal("a reply not yet sent can be withheld")
	}
	q := one(t, h.Press(c.lead, cd, "🔒 Ask not to publish"), "show only its number", "Why?")
	var page string
	one(t, h.Do(c.lead, "It names a resident's illness."), "Request not to publish sent to the office (Suggestion "+n+").")
	dec := one(t, c.admin.Unread(), "Housing Bureau asks not to publish Suggestion "+n, "It names a resident's illness.")
	_ = q
	cd = card(t, h, c.lead, n)
	if cd.Button("🔒 Ask not to publish") != nil || !strings.Contains(cd.Text, "Request not to publish awaiting the office") {
		t.Fatalf("card while the request waits: %q %v", cd.Text, cd.Buttons())
	}
	q = one(t, h.Press(c.admin, dec, "Decide request"), "asks that Suggestion "+n+" “Lift for No. 5” not be published online")
	one(t, h.Press(c.admin, q, "🔒 Withhold it"), "Suggestion "+n+" will not be published online.")
	one(t, c.lead.Unread(), "The office agreed: Suggestion "+n+" “Lift for No. 5” is not published online.")
	quiet(t, c.deputy)
	cd = card(t, h, c.lead, n)
	if !strings.Contains(cd.Text, "Not published online") || cd.Button("🔒 Ask not to publish") != nil {
		t.Fatalf("card of a withheld item: %q %v", cd.Text, cd.Buttons())
	}
	// Its own page at once, on either read path.
	page = render(t, s, "/en/items/suggestion-"+n+".html")
	if strings.Contains(page, "Lift for No. 5") || !strings.Contains(page, "Suggestion "+n+": withheld") {
		t.Fatalf("withheld item page: %s", page)
	}
	// The lists: at once where this process owns the store; a replica
	// on MongoDB cannot see the change and reads again after MaxAge.
	_, owner := h.App.Store.Generation()
	lists := func() {
		if !owner {
			h.Clock.Advance(10 * time.Second)
		}
	}
	lists()
	// A list names it by number as withheld, and nothing else of it; the
	// feed not at all.
	for p, by := range map[string]string{"/en/2026/index.html": "Withheld", "/en/2026/search.json": `"t":"Withheld"`, "/zh/2026/index.html": "不予公开"} {
		body := render(t, s, p)
		if i := strings.Index(body, n); i < 0 || !strings.Contains(body[i:min(len(body), i+200)], by) || strings.Contains(body, "Lift for No. 5") {
			t.Errorf("%s does not list the withheld item by number alone", p)
		}
	}
	if strings.Contains(render(t, s, "/en/feed.atom"), n) {
		t.Error("the feed names the withheld item")
	}

	// The office publishes it again.
	one(t, h.Press(c.admin, card(t, h, c.admin, n), "🔓 Publish again"), "Suggestion "+n+" is published online again.")
	one(t, c.lead.Unread(), "The office publishes Suggestion "+n+" “Lift for No. 5” online again.")
	if !strings.Contains(render(t, s, "/en/items/suggestion-"+n+".html"), "Lift for No. 5") {
		t.Fatal("published again, the page still withholds it")
	}
	if card(t, h, c.admin, n).Button("🔓 Publish again") != nil {
		t.Fatal("publish again offered for what is public")
	}

	// A reply: asked, refused, published.
	m := c.assigned(t, "Bus lane")
	c.logContact(t, m)
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, m, "A", "The lane opens in May."), "Send reply"), "Reply sent")
	c.deputy.Unread()
	q = one(t, h.Press(c.lead, card(t, h, c.lead, m), "🔒 Ask not to publish the reply"), "class and date stay public")
	one(t, h.Do(c.lead, "Draft figures."), "Request not to publish sent")
	dec = one(t, c.admin.Unread(), "asks not to publish Suggestion "+m)
	q = one(t, h.Press(c.admin, dec, "Decide request"), "asks that the reply to Suggestion "+m)
	one(t, h.Press(c.admin, q, "Refuse"), "Refused: Suggestion "+m+" stays published as usual.")
	one(t, c.lead.Unread(), "The office refused to withhold Suggestion "+m)
	page = render(t, s, "/en/items/suggestion-"+m+".html")
	if !strings.Contains(page, "The lane opens in May.") {
		t.Fatalf("the reply is not published: %s", page)
	}
	lists()
	if !strings.Contains(render(t, s, "/en/feed.atom"), "The lane opens in May.") {
		t.Fatal("the reply is not in the feed")
	}
	one(t, h.Do(c.lead, "/view "+m), "refused to withhold the reply text")
}

// TestNoWithholdingWithoutPublication: with PUBLIC_DISCLOSURE off there
// is nothing to withhold from, and the card asks nothing about it.
func TestNoWithholdingWithoutPublication(t *testing.T) {
	c := newCast(t, "en")
	n := c.assigned(t, "Lift")
	for _, b := range card(t, c.h, c.lead, n).Buttons() {
		if strings.Contains(b.Text, "publish") {
			t.Fatalf("button %q without publication", b.Text)
		}
	}
}
