// Package logredact keeps Telegram ids out of the log an operator reads:
// at INFO and above an attribute that carries one is logged as a keyed
// reference, the same for the same id (so one person's lines can still
// be followed), from which the id cannot be recovered without the key.
// DEBUG records keep the ids, for an operator who asks for them.
package logredact

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
)

// idKeys are the attributes whose value is a Telegram id.
var idKeys = map[string]bool{"chat": true, "user": true, "telegram_id": true, "from": true}

// adminPrefix begins the person id of a bootstrap administrator, which is
// made of his Telegram id.
const adminPrefix = "admin-"

// New wraps h: its records at INFO and above carry references instead of
// Telegram ids, keyed by key (e.g. the bot's token: stable across
// restarts and replicas, and secret).
func New(h slog.Handler, key string) slog.Handler { return &handler{h: h, key: []byte(key)} }

type handler struct {
	h   slog.Handler
	key []byte
}

func (r *handler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *handler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level < slog.LevelInfo {
		return r.h.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

// WithAttrs redacts at once: the level of the records to come is not
// known yet.
func (r *handler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = r.attr(a)
	}
	return &handler{h: r.h.WithAttrs(red), key: r.key}
}

func (r *handler) WithGroup(name string) slog.Handler {
	return &handler{h: r.h.WithGroup(name), key: r.key}
}

func (r *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch {
	case v.Kind() == slog.KindGroup:
		as := v.Group()
		red := make([]any, len(as))
		for i, x := range as {
			red[i] = r.attr(x)
		}
		return slog.Group(a.Key, red...)
	case idKeys[a.Key]:
		return slog.String(a.Key, r.Ref(fmt.Sprint(v.Any())))
	case a.Key == "person" && v.Kind() == slog.KindString && strings.HasPrefix(v.String(), adminPrefix):
		return slog.String(a.Key, adminPrefix+r.Ref(strings.TrimPrefix(v.String(), adminPrefix)))
	}
	return a
}

// Ref is the reference logged for a Telegram id.
func (r *handler) Ref(id string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(id))
	return "tg:" + hex.EncodeToString(m.Sum(nil)[:5])
}
