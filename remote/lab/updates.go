package lab

import "slices"

// FindPending returns the index of the pending update id in s, or -1.
func (s State) FindPending(id string) int {
	return slices.IndexFunc(s.Pending, func(u Update) bool { return u.ID == id })
}

// Install moves the pending update u to the installed ones and applies
// its effects: less free disk, a staged build, a pending reboot with
// reason when u needs one.
func (s *State) Install(u Update, reason string) {
	if i := s.FindPending(u.ID); i >= 0 {
		s.Pending = slices.Delete(s.Pending, i, i+1)
	}
	s.Installed = slices.DeleteFunc(s.Installed, func(v Update) bool { return v.ID == u.ID })
	s.Installed = append(s.Installed, u)
	s.FreeDiskMB -= u.SizeKB * 3 / 1024 // unpacked size, roughly three times the download
	if u.Build != "" {
		s.StagedBuild, s.StagedRevision = u.Build, u.Revision
	}
	if u.NeedsReboot {
		s.RebootPending = true
		s.RebootReason = reason
		if !slices.Contains(s.RebootPackages, u.ID) {
			s.RebootPackages = append(s.RebootPackages, u.ID)
		}
	}
}
