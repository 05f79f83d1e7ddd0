// Package deputybot holds the domain of the deputies' motions and
// suggestions service: the types, the rules that decide what is allowed
// and what follows, and the small interfaces the storage, bot and
// scheduler packages meet. It imports no other package of this module and
// does no I/O, so every rule of the product can be read and tested here.
package deputybot

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The edges (bot, command line) translate them: a user sees
// the message behind Key in his own language, an operator sees Error().
const (
	EINVALID   = "invalid"   // the input breaks a rule; nothing changed
	ENOTFOUND  = "not_found" // no such thing, or the actor may not see it
	EFORBIDDEN = "forbidden" // the actor's roles do not allow this
	ECONFLICT  = "conflict"  // the state moved on (used link, finished step)
	EINTERNAL  = "internal"  // our fault; details are logged, not shown
)

// Error is a domain error. Key names the user-facing message (an i18n
// message id) and Args fill it in; both languages are rendered by the bot.
type Error struct {
	Code string
	Key  string
	Args map[string]any
	Err  error // optional cause, for logs
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Key
	if len(e.Args) > 0 {
		s += fmt.Sprintf(" %v", e.Args)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code, message key and arguments.
// args alternate name, value: Errorf(EINVALID, "err.too_long", "Max", 100).
func Errorf(code, key string, args ...any) *Error {
	e := &Error{Code: code, Key: key}
	if len(args) > 0 {
		e.Args = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			e.Args[name] = args[i+1]
		}
	}
	return e
}

// ErrorCode returns the code of a domain error, EINTERNAL for any other
// error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Clock tells the time. Logic never calls time.Now: the clock is passed in
// so that deadlines and schedules can be tested.
type Clock func() time.Time
