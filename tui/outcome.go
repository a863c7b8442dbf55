package tui

// Outcome is the state of the console's runs when it closes.
type Outcome struct {
	// Unfinished are the ids of the runs started in the console that
	// ended aborted, stopped on an error or with hosts before a final
	// state, or had not ended when it closed, in start order. A run that
	// the console resumed is left out, and the resuming run is checked
	// in its place.
	Unfinished []string
	// QuitAborted is set when quitting the console aborted active runs.
	QuitAborted bool
}

// Outcome returns the runs that need a resume and whether quitting
// aborted runs. Open returns it when the console closes.
func (m *Model) Outcome() Outcome {
	out := Outcome{QuitAborted: m.aborting}
	for _, v := range m.runs.runs {
		if !v.resumed && v.needsResume() {
			out.Unfinished = append(out.Unfinished, v.run.ID)
		}
	}
	return out
}

// needsResume reports whether some hosts of the run may still lack a
// final state.
func (v *runView) needsResume() bool {
	if v.result == nil || v.result.Err != nil || v.result.Summary == nil {
		return true
	}
	return v.result.Summary.Aborted || len(v.result.Summary.Unfinished) > 0
}
