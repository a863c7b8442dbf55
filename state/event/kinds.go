package event

import "reflect"

// Kind methods tie each payload type to its kind.
func (RunStarted) Kind() Kind       { return KindRunStarted }
func (RunFinished) Kind() Kind      { return KindRunFinished }
func (HostState) Kind() Kind        { return KindHostState }
func (StepStarted) Kind() Kind      { return KindStepStarted }
func (StepFinished) Kind() Kind     { return KindStepFinished }
func (Output) Kind() Kind           { return KindOutput }
func (Decision) Kind() Kind         { return KindDecision }
func (HostFacts) Kind() Kind        { return KindHostFacts }
func (UpdateResult) Kind() Kind     { return KindUpdateResult }
func (Inventory) Kind() Kind        { return KindInventory }
func (Catalogue) Kind() Kind        { return KindCatalogue }
func (Emergency) Kind() Kind        { return KindEmergency }
func (EmergencyPatched) Kind() Kind { return KindEmergencyPatched }
func (EmergencyClosed) Kind() Kind  { return KindEmergencyClosed }
func (Notice) Kind() Kind           { return KindNotice }
func (HoldSet) Kind() Kind          { return KindHoldSet }
func (HoldCleared) Kind() Kind      { return KindHoldCleared }

// prototypes lists one value of every payload type; Record.Decode builds
// new values of the same types.
var prototypes = []Payload{
	RunStarted{}, RunFinished{}, HostState{}, StepStarted{}, StepFinished{},
	Output{}, Decision{}, HostFacts{}, UpdateResult{}, Inventory{},
	Catalogue{}, Emergency{}, EmergencyPatched{}, EmergencyClosed{},
	Notice{}, HoldSet{}, HoldCleared{},
}

var (
	payloadTypes = map[Kind]func() any{}
	kindOrder    []Kind
)

func init() {
	for _, p := range prototypes {
		t := reflect.TypeOf(p)
		payloadTypes[p.Kind()] = func() any { return reflect.New(t).Interface() }
		kindOrder = append(kindOrder, p.Kind())
	}
}

// derefPayload turns the pointer that json.Unmarshal filled into the value
// type, so that callers switch on RunStarted rather than *RunStarted.
func derefPayload(p any) Payload {
	return reflect.ValueOf(p).Elem().Interface().(Payload)
}
