package deputybot

// Audience is a group of people told of what happened to an item.
type Audience string

const (
	ToAuthor          Audience = "author"           // the deputy who filed the item
	ToAskedCoSponsors Audience = "asked_cosponsors" // the co-sponsors this change asked to confirm
	ToCoSponsors      Audience = "cosponsors"       // the co-sponsors who have confirmed
	ToOffice          Audience = "office"           // the office (and the bootstrap admins)
	ToLead            Audience = "lead"             // the lead department's contacts
	ToFormerLead      Audience = "former_lead"      // the contacts of the lead department before the change
	ToDept            Audience = "dept"             // one department's contacts (Notice.Dept, Reminder.Dept)
	ToLeader          Audience = "leader"           // the leader in charge
	ToSupervisors     Audience = "supervisors"      // the supervisors
	ToPersons         Audience = "persons"          // the people named (Notice.Persons)
)

// Notice says that an audience is told of an event, and what: What names
// the message (its text is the chat interface's). It holds what the
// change knew that the item after it no longer says, so that it can be
// told once the change is stored, or after a crash.
type Notice struct {
	What string   `bson:"what"`
	To   Audience `bson:"to"`
	// Dept: ToDept, which department; ToFormerLead, the lead department
	// before the change.
	Dept string `bson:"dept,omitempty"`
	// Persons: ToAskedCoSponsors, the co-sponsors this change asked;
	// ToPersons, the people told.
	Persons []string `bson:"persons,omitempty"`
	// From: NoteStatus, the status before the change.
	From  Status `bson:"from,omitempty"`
	Event Event  `bson:"event"` // the event told of (for a change of status, the last)
	// Actor is who made the change (empty: the scheduler): he is not
	// told of his own action.
	Actor string `bson:"actor,omitempty"`
}

// PendingNotice is a notice a change caused, kept with the item until it
// is in the outbox: its ID (item, version, position) makes each of its
// messages go out once.
type PendingNotice struct {
	ID     string `bson:"id"`
	Notice `bson:",inline"`
}

// What is told (Notice.What).
const (
	NoteCoSponsorRequest   = "cosponsor_request"   // please confirm co-sponsoring
	NoteNewItem            = "new_item"            // a new item to assign
	NoteWithdrawn          = "withdrawn"           // the author withdrew an item
	NoteCoSponsorAnswer    = "cosponsor_answer"    // a co-sponsor confirmed or declined
	NoteAssignedDeputy     = "assigned_deputy"     // your item went to a department
	NoteAssignedLead       = "assigned_lead"       // a new item for your department
	NoteAssignedCo         = "assigned_co"         // your department is a co-department
	NoteReturned           = "returned"            // the item is returned to its author
	NoteReturnGranted      = "return_granted"      // the department's return request was granted
	NoteContactConfirm     = "contact_confirm"     // did the department contact you?
	NoteContactDisputed    = "contact_disputed"    // the deputy disputes a contact
	NoteContactConfirmed   = "contact_confirmed"   // the deputy confirms a contact
	NoteSubmittedCoSponsor = "submitted_cosponsor" // the item you co-sponsor is submitted and numbered
	NoteReplyCoSponsor     = "reply_cosponsor"     // the item you co-sponsor is answered (its author rates it)
	NoteUngrouped          = "ungrouped"           // an item was taken out of its group: answered on its own
	NoteGrouped            = "grouped"             // your item is now handled with others of the same content
	NoteThreadThree        = "thread_three"        // the same issue raised three years in a row: a key supervision candidate
	NoteReply              = "reply"               // the reply (or its correction), please rate
	NoteOpinion            = "opinion"             // a co-department's opinion came
	NoteRequest            = "request"             // a department asks for an extension, a return or a withholding
	NoteWithheld           = "withheld"            // the office agreed not to publish the item or its reply
	NoteRepublished        = "republished"         // the office publishes again what it withheld
	NoteExtendedDeputy     = "extended_deputy"     // your item's deadline moved
	NoteExtensionApproved  = "extension_approved"  // your request for an extension was approved
	NoteRequestRefused     = "request_refused"     // your request was refused
	NoteReassignedFrom     = "reassigned_from"     // the item went to another department
	NoteReassignedDeputy   = "reassigned_deputy"   // your item went to another department
	NoteRated              = "rated"               // the deputy rated your reply
	NoteUnsatisfied        = "unsatisfied"         // a deputy is unsatisfied
	NoteRehandling         = "rehandling"          // handle the item again
	NoteClosed             = "closed"              // your item is closed
	NoteFlagged            = "flagged"             // a quality problem in your reply
	NoteCorrectedFlagger   = "corrected_flagger"   // the reply you flagged was corrected
	NoteAssignmentChanged  = "assignment_changed"  // the office changed the item's assignment
	NoteAssignmentDropped  = "assignment_dropped"  // the item is no longer your department's
	NoteTargetProgress     = "target_progress"     // progress on a motion's target
	NoteProgress           = "progress"            // progress on a B/C promise
	NoteStatus             = "status"              // the item you lead changed status
)

// Notices decides who is told of what a change did (SPEC §4, event
// notifications), from the item before and after the change and the
// events the change made. Nobody is told of his own action: the one who
// acted is left out when the audiences are resolved to people.
func Notices(before, after *Item, evs []Event) []Notice {
	var out []Notice
	add := func(what string, to Audience, ev Event) { out = append(out, Notice{What: what, To: to, Event: ev}) }
	for _, ev := range evs {
		switch ev.Type {
		case EvSubmitted, EvSubmitRequested:
			// The co-sponsors are asked when the author submits.
			if asked := AskedCoSponsors(before, after); len(asked) > 0 {
				out = append(out, Notice{What: NoteCoSponsorRequest, To: ToAskedCoSponsors, Persons: asked, Event: ev})
			}
			if ev.Type == EvSubmitted {
				add(NoteNewItem, ToOffice, ev)
				if len(after.ConfirmedCoSponsorIDs()) > 0 {
					add(NoteSubmittedCoSponsor, ToCoSponsors, ev)
				}
			}
		case EvWithdrawn:
			add(NoteWithdrawn, ToOffice, ev)
		case EvCoSponsorConfirm, EvCoSponsorJoined, EvCoSponsorDeclined:
			add(NoteCoSponsorAnswer, ToAuthor, ev)
		case EvAssigned:
			add(NoteAssignedDeputy, ToAuthor, ev)
			add(NoteAssignedLead, ToLead, ev)
			for _, c := range after.CoDepts {
				out = append(out, Notice{What: NoteAssignedCo, To: ToDept, Dept: c.Dept, Event: ev})
			}
		case EvAssignmentChanged:
			// Each one concerned, once: a new lead as assigned, the
			// former lead and the co-departments dropped as no longer
			// theirs, the ones staying of what changed.
			if before.LeadDept != after.LeadDept {
				out = append(out, Notice{What: NoteAssignmentDropped, To: ToFormerLead, Dept: before.LeadDept, Event: ev})
				add(NoteAssignedLead, ToLead, ev)
			} else {
				add(NoteAssignmentChanged, ToLead, ev)
			}
			add(NoteAssignmentChanged, ToAuthor, ev)
			for _, c := range after.CoDepts {
				if before.CoDept(c.Dept) == nil {
					out = append(out, Notice{What: NoteAssignedCo, To: ToDept, Dept: c.Dept, Event: ev})
				}
			}
			for _, c := range before.CoDepts {
				if after.CoDept(c.Dept) == nil && c.Dept != after.LeadDept {
					out = append(out, Notice{What: NoteAssignmentDropped, To: ToDept, Dept: c.Dept, Event: ev})
				}
			}
			if after.LeaderID != "" && after.LeaderID != before.LeaderID {
				add(NoteAssignmentChanged, ToLeader, ev)
			}
		case EvLeaderChanged:
			if after.LeaderID != "" {
				add(NoteAssignmentChanged, ToLeader, ev)
			}
		case EvReturned:
			add(NoteReturned, ToAuthor, ev)
			if before.LeadDept != "" {
				add(NoteReturnGranted, ToLead, ev)
			}
		case EvContactLogged:
			add(NoteContactConfirm, ToAuthor, ev)
		case EvContactDisputed:
			add(NoteContactDisputed, ToLead, ev)
		case EvContactConfirmed:
			add(NoteContactConfirmed, ToLead, ev)
		case EvReplied, EvCorrected:
			add(NoteReply, ToAuthor, ev)
			if ev.Type == EvReplied && len(after.ConfirmedCoSponsorIDs()) > 0 {
				add(NoteReplyCoSponsor, ToCoSponsors, ev)
			}
			if f := after.LastFlag(); ev.Type == EvCorrected && f != nil {
				// The supervisor who flagged it reviews the correction.
				out = append(out, Notice{What: NoteCorrectedFlagger, To: ToPersons, Persons: []string{f.By}, Event: ev})
			}
		case EvUngrouped:
			add(NoteUngrouped, ToLead, ev)
		case EvGrouped:
			add(NoteGrouped, ToAuthor, ev)
		case EvThreadLinked:
			if ev.Data["flag"] == "1" {
				add(NoteThreadThree, ToLeader, ev)
				add(NoteThreadThree, ToSupervisors, ev)
			}
		case EvOpinion:
			add(NoteOpinion, ToLead, ev)
		case EvExtensionAsked, EvReturnAsked, EvWithholdAsked:
			add(NoteRequest, ToOffice, ev)
		case EvWithheld:
			add(NoteWithheld, ToLead, ev)
		case EvRepublished:
			add(NoteRepublished, ToLead, ev)
		case EvExtensionApproved:
			add(NoteExtendedDeputy, ToAuthor, ev)
			add(NoteExtensionApproved, ToLead, ev)
		case EvExtensionRefused, EvReturnRefused, EvWithholdRefused:
			add(NoteRequestRefused, ToLead, ev)
		case EvReassigned:
			out = append(out, Notice{What: NoteReassignedFrom, To: ToFormerLead, Dept: before.LeadDept, Event: ev})
			add(NoteAssignedLead, ToLead, ev)
			add(NoteReassignedDeputy, ToAuthor, ev)
		case EvRated:
			add(NoteRated, ToLead, ev)
			if RatingValue(ev.Data["value"]) == Unsatisfied {
				add(NoteUnsatisfied, ToOffice, ev)
			}
		case EvRehandling:
			add(NoteRehandling, ToLead, ev)
		case EvClosed:
			add(NoteClosed, ToAuthor, ev)
		case EvFlagged:
			add(NoteFlagged, ToLead, ev)
		case EvTargetProgress, EvTargetMet:
			add(NoteTargetProgress, ToAuthor, ev)
			add(NoteTargetProgress, ToLeader, ev)
		case EvProgress:
			add(NoteProgress, ToAuthor, ev)
		}
	}
	// The leader in charge hears of every change of status.
	if after.LeaderID != "" && after.Status != before.Status && len(evs) > 0 {
		out = append(out, Notice{What: NoteStatus, To: ToLeader, From: before.Status, Event: evs[len(evs)-1]})
	}
	return out
}

// AskedCoSponsors are the co-sponsors a change asked to confirm.
func AskedCoSponsors(before, after *Item) []string {
	var ids []string
	for _, c := range after.CoSponsors {
		if was := before.CoSponsor(c.PersonID); c.Asked && (was == nil || !was.Asked) {
			ids = append(ids, c.PersonID)
		}
	}
	return ids
}
