package public

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/texts"
)

// feed is the Atom feed of the newest published replies. Its ids are
// stable URNs of the item and round; its links are relative to the feed,
// so that the static site works wherever it is put.
func (w *writer) feed(entries []feedEntry) string {
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	updated := w.m.now
	if len(entries) > 0 {
		updated = entries[0].at
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="` + map[bool]string{true: "zh-CN", false: "en"}[w.l == deputybot.LangZH] + `" >`)
	b.WriteString(`<title>` + esc(texts.Plain(w.siteName())+" · "+texts.Plain(w.t("pub.feed_title"))) + `</title>`)
	b.WriteString(`<id>urn:deputybot:feed:` + string(w.l) + `</id>`)
	b.WriteString(`<updated>` + updated.UTC().Format(time.RFC3339) + `</updated>`)
	b.WriteString(`<link rel="self" href="feed.atom"/><link rel="alternate" type="text/html" href="index.html"/>`)
	for _, e := range entries {
		it := e.item
		title := texts.Plain(w.t("pub.feed_entry", "Dept", w.deptName(it.LeadDept), "Label", texts.HTML(w.label(it)), "Title", it.Title))
		b.WriteString(`<entry><title>` + esc(title) + `</title>`)
		b.WriteString(`<id>urn:deputybot:reply:` + esc(slug(it)) + `:` + strconv.Itoa(e.round) + `</id>`)
		b.WriteString(`<updated>` + e.at.UTC().Format(time.RFC3339) + `</updated>`)
		b.WriteString(`<author><name>` + esc(w.deptName(it.LeadDept)) + `</name></author>`)
		b.WriteString(`<link rel="alternate" type="text/html" href="items/` + esc(slug(it)) + `.html"/>`)
		b.WriteString(`<category term="` + string(e.class) + `" label="` + esc(texts.Plain(w.t("class."+string(e.class)))) + `"/>`)
		b.WriteString(`<content type="text">` + esc(deputybot.StripBidi(e.text)) + `</content></entry>`)
	}
	b.WriteString(`</feed>`)
	return b.String()
}
