package deputybot

import "slices"

// Clone returns a deep copy of the item: changing one never changes the
// other. (A test fills every field by reflection and checks that no
// slice or pointer is shared, so a new field cannot be forgotten here.)
func (it *Item) Clone() *Item {
	if it == nil {
		return nil
	}
	c := *it
	c.CoSponsors = slices.Clone(it.CoSponsors)
	c.CoDepts = slices.Clone(it.CoDepts)
	if it.Replies != nil {
		c.Replies = make([]Reply, len(it.Replies))
		for i, r := range it.Replies {
			r.CoDepts = slices.Clone(r.CoDepts)
			c.Replies[i] = r
		}
	}
	if it.Ratings != nil {
		c.Ratings = make([]Rating, len(it.Ratings))
		for i, r := range it.Ratings {
			r.CoDepts = slices.Clone(r.CoDepts)
			c.Ratings[i] = r
		}
	}
	c.Contacts = slices.Clone(it.Contacts)
	if it.Request != nil {
		r := *it.Request
		c.Request = &r
	}
	if it.Withheld != nil {
		w := *it.Withheld
		c.Withheld = &w
	}
	c.Flags = slices.Clone(it.Flags)
	c.Promises = slices.Clone(it.Promises)
	c.Targets = slices.Clone(it.Targets)
	return &c
}

// Clone returns a deep copy of the person.
func (p *Person) Clone() *Person {
	if p == nil {
		return nil
	}
	c := *p
	c.Roles = slices.Clone(p.Roles)
	return &c
}

// Clone returns a deep copy of the department.
func (d *Department) Clone() *Department {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// Clone returns a deep copy of the details.
func (d *ItemDetails) Clone() *ItemDetails {
	if d == nil {
		return nil
	}
	c := *d
	c.Attachments = slices.Clone(d.Attachments)
	if d.Timeline != nil {
		c.Timeline = make([]Event, len(d.Timeline))
		for i, e := range d.Timeline {
			if e.Data != nil {
				m := make(map[string]string, len(e.Data))
				for k, v := range e.Data {
					m[k] = v
				}
				e.Data = m
			}
			c.Timeline[i] = e
		}
	}
	if d.Replies != nil {
		c.Replies = make([]ReplyText, len(d.Replies))
		for i, r := range d.Replies {
			r.Answers = slices.Clone(r.Answers)
			c.Replies[i] = r
		}
	}
	c.Points = slices.Clone(d.Points)
	c.Opinions = slices.Clone(d.Opinions)
	c.Progress = slices.Clone(d.Progress)
	return &c
}
