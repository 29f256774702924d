// Package rundemo holds run-demo.sh, the script behind `make run` (cucmsim on the demo
// topology and bcservice in front of it until Ctrl-C), and the test that starts it, stops it
// the way a terminal's Ctrl-C does and checks that nothing is left running.
package rundemo
