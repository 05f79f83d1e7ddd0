package deputybot

import (
	"testing"
	"time"
)

// TestPromisesAreReadAsTyped: a promise a line, its date anywhere in it
// in the forms people type, the words that go with the date left out.
func TestPromisesAreReadAsTyped(t *testing.T) {
	d := func(y int, m time.Month, day int) Date { return Date{y, m, day} }
	for in, want := range map[string][]PromiseInput{
		"2026-12-31 完成加装":                    {{"完成加装", d(2026, 12, 31)}},
		"完成加装，2026年12月31日前":                  {{"完成加装", d(2026, 12, 31)}},
		"２０２６／０９／０１　修好路灯":                    {{"修好路灯", d(2026, 9, 1)}},
		"lights repaired by 2026-4-30\n\n  ": {{"lights repaired", d(2026, 4, 30)}},
		"Before 2026.05.31: crossing repainted\n2027-01-15 bus stop": {{"crossing repainted", d(2026, 5, 31)},
			{"bus stop", d(2027, 1, 15)}},
	} {
		got, err := ParsePromises(in)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%q: %v %v", in, got, err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%q: %+v, want %+v", in, got[i], want[i])
			}
		}
	}
	for in, key := range map[string]string{"soon": "err.promise_no_date", "2026-02-30 b": "err.promise_bad_date"} {
		if _, err := ParsePromises(in); errorKey(err) != key {
			t.Errorf("%q: %v, want %s", in, err, key)
		}
	}
	// The rule: B needs one, A none; each says what, by a date to come.
	e := env() // 2026-03-04
	ok := []PromiseInput{{"x", d(2026, 3, 5)}}
	for _, tc := range []struct {
		class ReplyClass
		ps    []PromiseInput
		key   string
	}{
		{ClassB, nil, "err.promise_required"},
		{ClassC, nil, ""},
		{ClassB, ok, ""},
		{ClassA, ok, "err.promise_not_for_class"},
		{ClassB, []PromiseInput{{"x", d(2026, 3, 4)}}, "err.promise_date_range"},
		{ClassB, []PromiseInput{{"x", d(2031, 3, 5)}}, "err.promise_date_range"},
		{ClassB, []PromiseInput{{"", d(2026, 5, 1)}}, "err.promise_empty"},
		{ClassC, make([]PromiseInput, MaxPromises+1), "err.promise_too_many"},
	} {
		if err := CheckPromises(tc.class, tc.ps, e); errorKey(err) != tc.key {
			t.Errorf("%s %+v: %v, want %q", tc.class, tc.ps, err, tc.key)
		}
	}
}
