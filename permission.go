package deputybot

// Permission names something a person may do outside the workflow of a
// single item (item actions depend on the item's state and are decided by
// the workflow rules).
type Permission string

const (
	PermManagePeople      Permission = "manage_people"      // /invite, /people, /import
	PermManageDepartments Permission = "manage_departments" // /departments add
	PermListDepartments   Permission = "list_departments"   // /departments
	PermFile              Permission = "file"               // /new, /my
	PermInbox             Permission = "inbox"              // /inbox, /assign
	PermPending           Permission = "pending"            // /pending
	PermCalendar          Permission = "calendar"           // /holidays
	PermStats             Permission = "stats"              // /stats, /overdue, /digest
)

// permissionRoles is the one table that says which roles grant what.
var permissionRoles = map[Permission][]Role{
	PermManagePeople:      {RoleOffice},
	PermManageDepartments: {RoleOffice},
	PermListDepartments:   {RoleOffice},
	PermFile:              {RoleDeputy},
	PermInbox:             {RoleOffice},
	PermPending:           {RoleContact},
	PermCalendar:          {RoleOffice},
	PermStats:             {RoleSupervisor, RoleLeader, RoleOffice},
}

// Can reports whether p may do perm.
func (p *Person) Can(perm Permission) bool {
	return p != nil && p.State == PersonActive && p.HasAnyRole(permissionRoles[perm]...)
}
