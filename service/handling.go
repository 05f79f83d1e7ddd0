package service

import (
	"context"
	"time"

	"deputybot"
)

// The office's decisions that name other records: the departments and
// the leader must exist before the domain's rules are asked.

// checkDepartments checks that each department exists (EINVALID
// "err.department_not_found" for one that does not).
func (s *Service) checkDepartments(ctx context.Context, ids ...string) error {
	for _, id := range ids {
		d, err := s.store.Department(ctx, id)
		if err != nil {
			if deputybot.ErrorCode(err) == deputybot.ENOTFOUND {
				return deputybot.Errorf(deputybot.EINVALID, "err.department_not_found")
			}
			return err
		}
		if d.Retired() {
			return deputybot.Errorf(deputybot.EINVALID, "err.department_retired", "Name", d.Name)
		}
	}
	return nil
}

// Assign hands a submitted item to its departments (the office): the lead
// department and the co-departments must exist, and the leader in
// charge, if any, must be an active leader (EINVALID otherwise); then
// the domain's Assign decides, and a motion's targets are set with it.
func (s *Service) Assign(ctx context.Context, by *deputybot.Person, cause int64, id string, in deputybot.AssignInput,
	targets []deputybot.Target, now time.Time) (*deputybot.Item, error) {
	if err := s.checkAssignInput(ctx, in); err != nil {
		return nil, err
	}
	return s.Act(ctx, by, cause, id, now, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		evs, err := one(deputybot.Assign(it, by, in, e))
		if err != nil || len(targets) == 0 {
			return evs, err
		}
		tev, err := deputybot.SetTargets(it, by, targets, e)
		return append(evs, tev), err
	})
}

// checkAssignInput checks the records an assignment names: its
// departments exist and take work, its leader is an active leader.
func (s *Service) checkAssignInput(ctx context.Context, in deputybot.AssignInput) error {
	if err := s.checkDepartments(ctx, append([]string{in.Lead}, in.CoDepts...)...); err != nil {
		return err
	}
	if in.Leader != "" {
		p, err := s.store.Person(ctx, in.Leader)
		if err != nil || p.State != deputybot.PersonActive || !p.HasRole(deputybot.RoleLeader) {
			return deputybot.Errorf(deputybot.EINVALID, "err.leader_unknown")
		}
	}
	return nil
}

// ChangeAssignment corrects an assignment (deputybot.ChangeAssignment).
func (s *Service) ChangeAssignment(ctx context.Context, by *deputybot.Person, cause int64, id string, in deputybot.AssignInput,
	now time.Time) (*deputybot.Item, error) {
	if err := s.checkAssignInput(ctx, in); err != nil {
		return nil, err
	}
	return s.Act(ctx, by, cause, id, now, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.ChangeAssignment(it, by, in, e))
	})
}

// Decide applies the office's decision on a department's pending request
// (deputybot.DecideRequest); a reassignment's new lead department must
// exist. It returns the item and the kind of the request decided.
func (s *Service) Decide(ctx context.Context, by *deputybot.Person, cause int64, id string, d deputybot.Decision,
	now time.Time) (*deputybot.Item, deputybot.RequestKind, error) {
	if d.Approve && d.NewLead != "" {
		if err := s.checkDepartments(ctx, d.NewLead); err != nil {
			return nil, "", err
		}
	}
	var kind deputybot.RequestKind
	it, err := s.Act(ctx, by, cause, id, now, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		if it.Request != nil {
			kind = it.Request.Kind
		}
		return one(deputybot.DecideRequest(it, by, d, e))
	})
	return it, kind, err
}
