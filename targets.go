package deputybot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Target is a measurable target of a motion (“到“十四五”末，完成改造老旧
// 小区302个，其中2021年底新开工54个”): its goal and how far it has come.
type Target struct {
	N    int    `bson:"n"` // 1, 2, ...
	Name string `bson:"name"`
	Unit string `bson:"unit,omitempty"` // what is counted: 个, flats
	Goal int    `bson:"goal"`
	Done int    `bson:"done"`
}

// Limits of targets.
const (
	MaxTargets       = 10
	MaxTargetNameLen = 100
	MaxTargetValue   = 1_000_000_000
)

// Actions on targets.
const (
	ActSetTargets     Action = "set_targets"
	ActTargetProgress Action = "target_progress"
)

// Event types of targets.
const (
	EvTargetsSet     = "targets_set"
	EvTargetProgress = "target_progress"
)

var lastNumber = regexp.MustCompile(`(\d[\d,]*)\D*$`)

// ParseTargets reads targets, one per line: a description with the goal as
// its last number, e.g. "完成改造老旧小区 302 个" or "Renovate 302
// compounds". It returns the problems by line; targets with problems must
// not be used.
func ParseTargets(text string) ([]Target, []string) {
	var out []Target
	var problems []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := lastNumber.FindStringSubmatchIndex(line)
		if m == nil {
			problems = append(problems, "line "+strconv.Itoa(i+1)+": no number")
			continue
		}
		goal, err := strconv.Atoi(strings.ReplaceAll(line[m[2]:m[3]], ",", ""))
		name, unit := strings.TrimSpace(line[:m[2]]), strings.TrimSpace(line[m[3]:])
		if name == "" {
			name, unit = unit, ""
		}
		switch {
		case err != nil || goal <= 0 || goal > MaxTargetValue:
			problems = append(problems, "line "+strconv.Itoa(i+1)+": the goal must be a positive number")
		case name == "" || utf8.RuneCountInString(name) > MaxTargetNameLen:
			problems = append(problems, "line "+strconv.Itoa(i+1)+": the description must be 1 to 100 characters")
		default:
			if utf8.RuneCountInString(unit) > 20 {
				name, unit = name+" "+unit, ""
			}
			out = append(out, Target{N: len(out) + 1, Name: name, Unit: unit, Goal: goal})
		}
	}
	if len(out) > MaxTargets {
		problems = append(problems, "at most "+strconv.Itoa(MaxTargets)+" targets")
	}
	return out, problems
}

// SetTargets sets (or replaces) a motion's targets; the office does it
// when assigning, and may correct them while the motion is handled.
func SetTargets(it *Item, p *Person, ts []Target, e Env) (Event, error) {
	if err := Check(p, it, ActSetTargets); err != nil {
		return Event{}, err
	}
	if len(ts) == 0 || len(ts) > MaxTargets {
		return Event{}, Errorf(EINVALID, "err.targets_count", "Max", MaxTargets)
	}
	for i := range ts {
		ts[i].N = i + 1
		if old := it.Target(i + 1); old != nil && old.Name == ts[i].Name {
			ts[i].Done = old.Done
		}
	}
	it.Targets = ts
	return ev(e, p, EvTargetsSet, "count", strconv.Itoa(len(ts))), nil
}

// Target returns target n, or nil.
func (it *Item) Target(n int) *Target {
	for i := range it.Targets {
		if it.Targets[i].N == n {
			return &it.Targets[i]
		}
	}
	return nil
}

// UpdateTarget records how far the lead department has come on target n.
func UpdateTarget(it *Item, p *Person, n, done int, e Env) (Event, error) {
	if err := Check(p, it, ActTargetProgress); err != nil {
		return Event{}, err
	}
	t := it.Target(n)
	if t == nil {
		return Event{}, Errorf(ENOTFOUND, "err.target_not_found")
	}
	if done < 0 || done > MaxTargetValue {
		return Event{}, Errorf(EINVALID, "err.target_value")
	}
	if done == t.Done {
		return Event{}, Errorf(ECONFLICT, "err.target_same")
	}
	old := t.Done
	t.Done = done
	return ev(e, p, EvTargetProgress, "n", strconv.Itoa(n), "name", t.Name, "from", strconv.Itoa(old),
		"to", strconv.Itoa(done), "goal", strconv.Itoa(t.Goal)), nil
}
