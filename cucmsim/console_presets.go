package cucmsim

// consolePreset is a scenario document embedded with the console (console/presets/File),
// loaded with one click through PUT /v1/scenario. Each is written for the demo topology
// (testdata/topology/demo.yaml); TestConsolePresetsLoad keeps them valid for it.
type consolePreset struct {
	File  string
	Title string
	About string
}

// consolePresets are the console's presets, in the order of their buttons.
var consolePresets = []consolePreset{
	{"logins-refused-25.json", "Every login refused with 25", "a login fault with code 25 (logged in elsewhere) on every cluster"},
	{"node-failover.json", "A node failing over", "EU's first node, eu-pub, down: clients must move to eu-sub1"},
	{"busy-shift-change.json", "Shift change with a busy cluster", "EU answers 26 (busy) to 30 % of logins and 20 % of logouts, and its deviceUserQuery takes 400 ms"},
	{"pin-roaming.json", "PIN roaming across clusters", "US user USROAM01 logged in on EU device SEPE00000000001 as EMCC"},
}
