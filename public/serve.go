package public

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"deputybot"
)

// Handler serves the site and nothing else: GET and HEAD of its pages.
// Pages may be cached for a minute; a validator (ETag) changes with the
// record, so a reload after a change is current.
func (s *Site) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		page, err := s.Render(r.Context(), r.URL.Path, r.URL.Query())
		if err != nil {
			s.o.Logger.Error("public page", "path", r.URL.Path, "err", err)
			http.Error(w, "the page cannot be shown now", http.StatusInternalServerError)
			return
		}
		if page.Redirect != "" {
			http.Redirect(w, r, page.Redirect, http.StatusFound)
			return
		}
		if page.Status == http.StatusOK {
			tag := s.etag(r.Context())
			// Kept by caches, but asked again each time (a 304 while the
			// record is unchanged): a page withheld is gone at the next
			// request, from every shared cache too.
			h.Set("Cache-Control", "public, no-cache")
			h.Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		} else {
			h.Set("Cache-Control", "no-store")
		}
		h.Set("Content-Type", page.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(page.Body)))
		w.WriteHeader(page.Status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(page.Body)
		}
	})
}

// etag names the record's state the pages were made from.
func (s *Site) etag(ctx context.Context) string {
	m, err := s.current(ctx)
	if err != nil {
		return `"0"`
	}
	if m.genOK {
		return fmt.Sprintf(`"g%d-%s"`, m.gen, m.day)
	}
	return fmt.Sprintf(`"t%d"`, m.built.UnixNano())
}

// marker names a directory written by Publish, so that a second publish
// may replace it and nothing else.
const marker = ".deputybot-site"

// Publish writes the whole site as static files into dir, for a portal
// to host. The site is written beside dir first and then put in its
// place, so that a page no longer public (an item withheld since) does
// not stay behind, and the portal never serves half a site. dir must not
// exist, be empty, or hold an earlier publish. It returns how many files
// it wrote.
func (s *Site) Publish(ctx context.Context, dir string) (int, error) {
	dir = filepath.Clean(dir)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return 0, fmt.Errorf("%s holds files that are not a published site: give a new or empty directory", dir)
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".new-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	n, err := s.writeAll(ctx, tmp)
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(tmp, marker), []byte("written by deputybot publish\n"), 0o644); err != nil {
		return 0, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, err
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(old, dir)
		return 0, err
	}
	_ = os.RemoveAll(old)
	return n, nil
}

// Paths are the site's pages other than the items', by language.
func (s *Site) paths(m *model) []string {
	out := []string{"/index.html", "/assets/site.css", "/assets/site.js"}
	for _, l := range Languages {
		base := "/" + string(l) + "/"
		out = append(out, base+"index.html", base+"feed.atom")
		for _, y := range m.years {
			yb := base + strconv.Itoa(y) + "/"
			w := s.writer(m, l, yb+"index.html")
			out = append(out, yb+"index.html", yb+"departments.html", yb+"report.html", yb+"search.json")
			for n := 2; n <= w.pages(y); n++ {
				out = append(out, fmt.Sprintf("%spage-%d.html", yb, n))
			}
			for _, d := range w.handling(y) {
				out = append(out, w.deptPath(y, d.Dept.ID))
			}
		}
	}
	return out
}

func (s *Site) writeAll(ctx context.Context, root string) (int, error) {
	m, err := s.current(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	write := func(p string, body []byte) error {
		f := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		n++
		return os.WriteFile(f, body, 0o644)
	}
	for _, p := range s.paths(m) {
		if p == "/index.html" {
			// The root sends a reader to the Chinese site.
			if err := write(p, []byte(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=zh/index.html"><title>deputybot</title></head><body><a href="zh/index.html">中文</a> · <a href="en/index.html">English</a></body></html>`)); err != nil {
				return n, err
			}
			continue
		}
		page, err := s.Render(ctx, p, nil)
		if err != nil {
			return n, err
		}
		if page.Status != http.StatusOK {
			return n, fmt.Errorf("publish: %s: %d", p, page.Status)
		}
		if err := write(p, page.Body); err != nil {
			return n, err
		}
	}
	// Every item's pages, from one pass over the texts. A withheld
	// item's page is written without reading its texts.
	for _, it := range m.items {
		if !it.Public() {
			for _, l := range Languages {
				w := s.writer(m, l, "/"+string(l)+"/items/"+slug(it)+".html")
				if err := write(w.path, []byte(w.item(it, nil))); err != nil {
					return n, err
				}
			}
		}
	}
	byID := map[string]*deputybot.Item{}
	for _, it := range m.items {
		if it.Public() {
			byID[it.ID] = it
		}
	}
	err = s.o.Store.PublicTexts(ctx, func(id string, det *deputybot.ItemDetails) error {
		it := byID[id]
		if it == nil {
			return nil
		}
		for _, l := range Languages {
			w := s.writer(m, l, "/"+string(l)+"/items/"+slug(it)+".html")
			if err := write(w.path, []byte(w.item(it, det))); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
