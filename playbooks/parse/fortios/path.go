package fortios

import (
	"errors"
	"fmt"
)

// ErrUnsupportedUpgrade reports a requested upgrade that the path table
// does not allow: a downgrade, or a step past the last known release.
var ErrUnsupportedUpgrade = errors.New("unsupported FortiOS upgrade")

// Step is one supported jump between release lines: a device running
// exactly From may install any release of the next line from MinTo on.
// Later patches of the same line may be installed directly, so a device
// older than From first steps to From.
type Step struct {
	From  Version
	MinTo Version
}

// PathTable is the set of supported cross-line steps. Fortinet's Upgrade
// Path Tool gives the authoritative, per-model table; callers with that
// table build their own PathTable.
type PathTable []Step

// DefaultPathTable is the built-in table used by UpgradePath.
//
// NOTE: these steps are an estimate, not output of Fortinet's Upgrade
// Path Tool. They follow the rules in Fortinet's community article
// "Technical Tip: FortiGate/FortiOS Upgrade Path" (no downgrades; a target
// released before the source is unsupported, so 7.0.17 needs 7.2.11, not
// 7.2.10) and a published example path 7.0.12 -> 7.0.15 -> 7.2.10 ->
// 7.4.11 -> 7.6.6. Check a model's real path before relying on it.
var DefaultPathTable = PathTable{
	{From: Version{6, 0, 18}, MinTo: Version{6, 2, 16}},
	{From: Version{6, 2, 16}, MinTo: Version{6, 4, 15}},
	{From: Version{6, 4, 15}, MinTo: Version{7, 0, 15}},
	{From: Version{7, 0, 15}, MinTo: Version{7, 2, 10}},
	{From: Version{7, 0, 17}, MinTo: Version{7, 2, 11}},
	{From: Version{7, 2, 10}, MinTo: Version{7, 4, 5}},
	{From: Version{7, 4, 11}, MinTo: Version{7, 6, 6}},
}

// UpgradePath returns the releases to install, in order, to go from the
// running release to the target with DefaultPathTable. The last element
// is the target; an empty path means the device already runs it.
func UpgradePath(from, to Version) ([]Version, error) {
	return DefaultPathTable.Path(from, to)
}

// Path returns the releases to install, in order, to go from the running
// release to the target. It returns ErrUnsupportedUpgrade for a downgrade,
// for a target older than the first release the table allows on its line,
// and when the table has no step onward from the running release.
func (t PathTable) Path(from, to Version) ([]Version, error) {
	if to.Compare(from) < 0 {
		return nil, fmt.Errorf("%w: %s to %s is a downgrade", ErrUnsupportedUpgrade, from, to)
	}
	var path []Version
	current := from
	for current.Branch() != to.Branch() {
		step, ok := t.nextStep(current)
		if ok && step.MinTo.Branch().Compare(current.Branch()) <= 0 {
			return nil, fmt.Errorf("invalid path table: step from %s to %s does not leave its release line", step.From, step.MinTo)
		}
		if !ok || current.Branch().Compare(to.Branch()) > 0 {
			return nil, fmt.Errorf("%w: no supported step from %s toward %s; add the path from Fortinet's Upgrade Path Tool",
				ErrUnsupportedUpgrade, current, to)
		}
		if step.From != current {
			path = append(path, step.From)
		}
		if step.MinTo.Branch() == to.Branch() && to.Compare(step.MinTo) < 0 {
			return nil, fmt.Errorf("%w: %s is older than %s, the first release supported after %s",
				ErrUnsupportedUpgrade, to, step.MinTo, step.From)
		}
		if step.MinTo.Branch() == to.Branch() {
			return append(path, to), nil
		}
		path = append(path, step.MinTo)
		current = step.MinTo
	}
	if to != current {
		path = append(path, to)
	}
	return path, nil
}

// nextStep returns the step out of current's line that needs the fewest
// patches on that line first: the one with the lowest From not older
// than current.
func (t PathTable) nextStep(current Version) (Step, bool) {
	var best Step
	found := false
	for _, step := range t {
		if step.From.Branch() != current.Branch() || step.From.Compare(current) < 0 {
			continue
		}
		if !found || step.From.Compare(best.From) < 0 {
			best, found = step, true
		}
	}
	return best, found
}
