package features

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Bookings (cmd/bcservice/README.md, "Bookings") through the real binaries: bcservice with a
// SQLite history and a schedules section in front of the demo simulator. The bookings are
// seconds long, so that their start and end happen while the spec watches: a wall-clock wait
// is the feature here, generously bounded.
var _ = Describe("bookings: POST /api/book, /api/getbookings, /api/cancelbooking", Ordered, func() {
	sim := UseSim(demoTopology)
	var (
		svc *Service
		db  string
	)
	BeforeAll(func() {
		db = filepath.Join(GinkgoT().TempDir(), "history.db")
		svc, _ = bookingService(sim, db)
	})

	It("logs the user in at the start and out at the end, as the schedules' app user with the actor booking:<id>", func() {
		start := time.Now().Add(2 * time.Second)
		a := book(svc.BaseURL(), euPlain1, euUser03, start, start.Add(4*time.Second))
		Expect(a.Text).To(HavePrefix("Booking " + a.BookingID + ": " + euUser03 + " on device " + euPlain1))
		Expect(a.Start).To(Equal(start.UTC().Format(time.RFC3339)))
		Expect(onDevice(sim, "EU", euPlain1)).To(BeEmpty(), "nobody before the start")
		Eventually(onDevice).WithArguments(sim, "EU", euPlain1).WithTimeout(due()).Should(Equal(euUser03))
		Eventually(bookingState).WithArguments(svc.BaseURL(), euPlain1, a.BookingID).Should(Equal("active"), "saved after CUCM answered")
		Eventually(onDevice).WithArguments(sim, "EU", euPlain1).WithTimeout(due()).Should(BeEmpty())
		Eventually(bookingState).WithArguments(svc.BaseURL(), euPlain1, a.BookingID).Should(Equal("done"))
		logins, logouts, _ := carriedOut(sim, "EU", euPlain1)
		Expect([]int{logins, logouts}).To(Equal([]int{1, 1}), "one login, one logout")
		Eventually(actorRows).WithArguments(db, a.BookingID).Should(Equal([]string{
			"login as " + appID, "getloggedinuser as " + appID, "logout as " + appID}), "every action is in the history")
	})

	It("refuses overlapping and malformed bookings with their own codes, stores none of them, and asks CUCM nothing for bad input", func() {
		start := time.Now().Add(time.Hour)
		first := book(svc.BaseURL(), euPlain2, euUser03, start, start.Add(time.Hour))
		before := bookingsTable(db)
		sim.ClearRequests("EU")
		for _, c := range []struct {
			path, opts string
			code       int
			text       string
		}{
			{"/api/book/" + euPlain2 + "/" + euUser02, when("start", start.Add(30*time.Minute)) + when("end", start.Add(2*time.Hour)), 1030, "Device " + euPlain2 + " is already booked between "},
			{"/api/book/" + euPlain2 + "/" + euUser02, when("start", start.Add(2*time.Hour)) + when("end", start.Add(time.Hour)), 1031, "Booking end "},
			{"/api/book/" + euPlain2 + "/" + euUser02, when("start", time.Now().Add(-2*time.Minute)) + when("end", start), 1032, "Booking start "},
			{"/api/book/" + euPlain2 + "/" + euUser02, when("start", start.Add(3*time.Hour)) + when("end", start.Add(3*time.Hour+169*time.Hour)), 1033, "Booking from "},
			{"/api/book/" + euPlain2 + "/" + euUser02, when("start", start.Add(3*time.Hour)), 1012, "Invalid end: <end> (an RFC 3339 time) is required"},
			{"/api/book/" + euPlain2 + "/" + euUser02, "<start>tomorrow</start>" + when("end", start), 1012, `Invalid start "tomorrow"`},
			{"/api/book/" + unknownDevice + "/" + euUser02, when("end", start), 11, "Booking failed for " + euUser02},
			{"/api/book/" + euPlain2 + "/NOSUCHUSER", when("start", start.Add(3*time.Hour)) + when("end", start.Add(4*time.Hour)), 1037, "User NOSUCHUSER is not known in cluster EU"},
			{"/api/book/" + euPlain2 + "/USROAM01/EU/4321", when("start", start.Add(3*time.Hour)) + when("end", start.Add(4*time.Hour)), 1037, "User USROAM01 is not known in cluster EU"},
			{"/api/cancelbooking/bnosuchbooking", "", 1034, "Booking bnosuchbooking not found"},
			{"/api/cancelbooking/..%2Fx", "", 1012, "Invalid booking ID"},
		} {
			a := bookingCall(svc.BaseURL(), c.path, c.opts)
			Expect(a.Code).To(Equal(c.code), "%s %s: %+v", c.path, c.opts, a)
			Expect(a.Text).To(HavePrefix(c.text))
		}
		Expect(bookingsTable(db)).To(Equal(before), "nothing stored")
		for _, r := range sim.Requests("EU") {
			Expect(r.Operation).NotTo(BeElementOf("login", "logout"), "a refused booking changes no phone")
		}
		list := bookingCall(svc.BaseURL(), "/api/getbookings/"+euPlain2, "")
		Expect(list.Code).To(BeZero())
		Expect(list.Bookings).To(HaveLen(1))
		Expect(list.Bookings[0]).To(Equal(bookingEntry{BookingID: first.BookingID, DeviceName: euPlain2, UserID: euUser03, Cluster: "EU",
			Start: first.Start, End: first.End, State: "scheduled"}))
		Expect(bookingCall(svc.BaseURL(), "/api/getbookings", "<state>scheduled</state><user>"+euUser03+"</user>").Bookings).
			To(ContainElement(HaveField("BookingID", first.BookingID)))
		Expect(bookingCall(svc.BaseURL(), "/api/getbookings", "<state>done</state><from>"+start.UTC().Format(time.RFC3339)+"</from>").Bookings).
			To(BeEmpty())
		Expect(bookingCall(svc.BaseURL(), "/api/cancelbooking/"+first.BookingID, "").Code).To(BeZero())
	})

	It("answers in XML by default, in the documented shape", func() {
		start := time.Now().Add(2 * time.Hour).Truncate(time.Second).UTC()
		body := bookingXML(svc.BaseURL(), "/api/book/"+euPlain1+"/"+euUser03, when("start", start)+when("end", start.Add(time.Hour)))
		Expect(body).To(MatchRegexp(`^<\?xml version='1.0' encoding='UTF-8'\?>\n<response><result><deviceName>` + euPlain1 +
			`</deviceName><userID>` + euUser03 + `</userID><bookingID>(b[a-z0-9]{19})</bookingID><start>` + start.Format(time.RFC3339) +
			`</start><end>[^<]+</end><code>0</code><text>Booking b[a-z0-9]{19}: [^<]+</text></result></response>$`))
		id := strings.TrimSuffix(strings.SplitAfter(strings.Split(body, "<bookingID>")[1], "</bookingID>")[0], "</bookingID>")
		list := bookingXML(svc.BaseURL(), "/api/getbookings/"+euPlain1, "<state>scheduled</state>")
		Expect(list).To(ContainSubstring("<bookings><booking><bookingID>" + id + "</bookingID><deviceName>" + euPlain1 +
			"</deviceName><userID>" + euUser03 + "</userID><cluster>EU</cluster><start>" + start.Format(time.RFC3339) + "</start>"))
		none := bookingXML(svc.BaseURL(), "/api/getbookings", "<state>missed</state>")
		Expect(none).To(HaveSuffix("<result><bookings/><code>0</code><text>0 booking(s)</text></result></response>"))
		Expect(bookingXML(svc.BaseURL(), "/api/cancelbooking/"+id, "")).To(HaveSuffix("<result><bookingID>" + id +
			"</bookingID><state>cancelled</state><code>0</code><text>Booking " + id + " cancelled</text></result></response>"))
	})

	It("never runs a cancelled booking", func() {
		start := time.Now().Add(2 * time.Second)
		a := book(svc.BaseURL(), euDevice2, euUser03, start, start.Add(2*time.Second))
		c := bookingCall(svc.BaseURL(), "/api/cancelbooking/"+a.BookingID, "")
		Expect(c).To(Equal(bookingAnswer{Code: 0, Text: "Booking " + a.BookingID + " cancelled", BookingID: a.BookingID, State: "cancelled"}))
		// Past its whole time (the wait is the feature: nothing may happen in it).
		Consistently(onDevice).WithArguments(sim, "EU", euDevice2).WithTimeout(6 * time.Second).WithPolling(200 * time.Millisecond).Should(BeEmpty())
		logins, _, _ := carriedOut(sim, "EU", euDevice2)
		Expect(logins).To(BeZero())
		Expect(bookingState(svc.BaseURL(), euDevice2, a.BookingID)).To(Equal("cancelled"))
		again := bookingCall(svc.BaseURL(), "/api/cancelbooking/"+a.BookingID, "")
		Expect(again.Code).To(Equal(1036), "%+v", again)
	})

	It("logs an active booking's user out when it is cancelled, and leaves it logged in with <logout>false</logout>", func() {
		a := book(svc.BaseURL(), euPlain1, euUser02, time.Now(), time.Now().Add(time.Hour))
		Eventually(onDevice).WithArguments(sim, "EU", euPlain1).WithTimeout(due()).Should(Equal(euUser02))
		c := bookingCall(svc.BaseURL(), "/api/cancelbooking/"+a.BookingID, "")
		Expect(c).To(Equal(bookingAnswer{Code: 0, Text: "Booking " + a.BookingID + " cancelled, its user logged out",
			BookingID: a.BookingID, State: "cancelled", LoggedOut: "true"}))
		Expect(onDevice(sim, "EU", euPlain1)).To(BeEmpty())

		k := book(svc.BaseURL(), euPlain1, euUser03, time.Now(), time.Now().Add(time.Hour))
		Eventually(onDevice).WithArguments(sim, "EU", euPlain1).WithTimeout(due()).Should(Equal(euUser03))
		c = bookingCall(svc.BaseURL(), "/api/cancelbooking/"+k.BookingID, "<logout>false</logout>")
		Expect(c.Code).To(BeZero(), "%+v", c)
		Expect(c.LoggedOut).To(BeEmpty())
		Expect(onDevice(sim, "EU", euPlain1)).To(Equal(euUser03), "the phone is left as it is")
		sim.DeleteLogin("EU", euPlain1)
	})

	It("survives a restart: a start missed while it was down is made late, a due logout at once", func() {
		db := filepath.Join(GinkgoT().TempDir(), "history.db")
		own, restart := bookingService(sim, db)
		late := book(own.BaseURL(), euDevice1, euUser03, time.Now().Add(2*time.Second), time.Now().Add(40*time.Second))
		ending := book(own.BaseURL(), euDevice2, euUser02, time.Now(), time.Now().Add(6*time.Second))
		Eventually(onDevice).WithArguments(sim, "EU", euDevice2).WithTimeout(due()).Should(Equal(euUser02))
		own.Session().Kill() // no shutdown at all
		Eventually(own.Session()).WithTimeout(stopTimeout).Should(gexec.Exit())
		Expect(onDevice(sim, "EU", euDevice1)).To(BeEmpty(), "the start came while it was down")
		// Both due while it is down: the late start and the end of the other.
		time.Sleep(time.Until(mustParse(ending.End).Add(time.Second)))

		again := restart()
		Eventually(onDevice).WithArguments(sim, "EU", euDevice1).WithTimeout(due()).Should(Equal(euUser03), "started late")
		// The killed process had claimed that booking: its claim holds for 2 × requestTimeout +
		// 5 s (25 s) from the claim before the restarted one takes it.
		Eventually(onDevice).WithArguments(sim, "EU", euDevice2).WithTimeout(25*time.Second+due()).Should(BeEmpty(), "the due logout done")
		Eventually(bookingState).WithArguments(again.BaseURL(), euDevice2, ending.BookingID).Should(Equal("done"), "saved after CUCM answered")
		Eventually(bookingState).WithArguments(again.BaseURL(), euDevice1, late.BookingID).Should(Equal("active"), "saved after CUCM answered")
		Expect(bookingCall(again.BaseURL(), "/api/cancelbooking/"+late.BookingID, "").Code).To(BeZero())
		for _, d := range []string{euDevice1, euDevice2} {
			logins, logouts, _ := carriedOut(sim, "EU", d)
			Expect([]int{logins, logouts}).To(Equal([]int{1, 1}), "device %s: one login and one logout", d)
		}
	})

	Context("under attack", func() {
		It("answers huge values and bytes a database refuses with their codes, and keeps working", func() {
			before := bookingsTable(db)
			for _, c := range []struct {
				path, opts string
				code       int
			}{
				{"/api/book/" + strings.Repeat("D", 5000) + "/" + euUser03, when("end", time.Now().Add(time.Hour)), 1008},
				{"/api/book/" + euPlain2 + "/" + euUser03, "<end>" + strings.Repeat("9", 40000) + "</end>", 1012},
				{"/api/book/" + euPlain2 + "/" + euUser03, "<start>2026-12-06T10:00:00Z\u0000</start>" + when("end", time.Now().Add(time.Hour)), 1006},
				{"/api/book/" + euPlain2 + "/" + euUser03, "<deviceProfile>" + strings.Repeat("ü", 60) + "</deviceProfile>" + when("end", time.Now().Add(time.Hour)), 1012},
				{"/api/getbookings", "<user>" + strings.Repeat("u", 40000) + "</user>", 1012},
				{"/api/getbookings", "<user>a\u0001b</user>", 1006},
				{"/api/getbookings", "<state>'; DROP TABLE bookings; --</state>", 1012},
				{"/api/cancelbooking/" + strings.Repeat("b", 5000), "", 1012},
				{"/api/cancelbooking/b%00%ff", "", 1012},
			} {
				a := bookingCall(svc.BaseURL(), c.path, c.opts)
				Expect(a.Code).To(Equal(c.code), "%s: %+v", c.path[:min(len(c.path), 60)], a)
				Expect(len(a.Text)).To(BeNumerically("<", 400), "the value is echoed clipped")
			}
			Expect(bookingsTable(db)).To(Equal(before))
			odd := bookingCall(svc.BaseURL(), "/api/getbookings", "<user>Jürgen '\"; --</user>")
			Expect(odd.Code).To(BeZero())
			Expect(odd.Bookings).To(BeEmpty())
			rbExpectAlive(svc)
		})

		It("lets exactly one of a flood of 60 bookings of one device at one time in, the others 1030", func() {
			start := time.Now().Add(3 * time.Hour)
			codes := map[int]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer GinkgoRecover()
					defer wg.Done()
					s := start.Add(time.Duration(i) * time.Second)
					a := bookingCall(svc.BaseURL(), "/api/book/"+labDevice1+"/"+labUser+"/LAB", when("start", s)+when("end", s.Add(time.Hour)))
					mu.Lock()
					codes[a.Code]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			Expect(codes).To(Equal(map[int]int{0: 1, 1030: 59}))
			list := bookingCall(svc.BaseURL(), "/api/getbookings/"+labDevice1, "")
			Expect(list.Bookings).To(HaveLen(1))
			Expect(bookingCall(svc.BaseURL(), "/api/cancelbooking/"+list.Bookings[0].BookingID, "").Code).To(BeZero())
			rbExpectAlive(svc)
		})
	})
})

// Bookings on replicas (cmd/bcservice/README.md, "Bookings", "Replicas"): two bcservice
// processes with coordination: postgres share one PostgreSQL; each booking is claimed by one
// of them, and a replica killed while it acts loses the booking to the other once its claim
// expires (2 × requestTimeout + 5 s: 15 s here).
var _ = Describe("bookings on replicas sharing PostgreSQL", Ordered, func() {
	sim := UseSim(replicasTopology)
	var pg *Postgres
	BeforeAll(func() { pg = StartPostgres() })

	startBookingReplicas := func(dsn string, n int) []*Service {
		GinkgoHelper()
		out := make([]*Service, n)
		for i := range out {
			configPath := filepath.Join(GinkgoT().TempDir(), fmt.Sprintf("replica-%d.yaml", i))
			writeServiceConfig(configPath, sim, ServiceOptions{Clusters: []string{"R"}, Default: "R", MaxConcurrentRequests: 5,
				Timeout: 5 * time.Second, RequestTimeout: 5 * time.Second, Extra: map[string]any{
					"coordination": "postgres",
					"history":      map[string]any{"dsn": dsn, "flushTimeout": "2s"},
					"schedules":    schedulesKeys(),
				}})
			out[i] = startService(configPath, schedEnv)
		}
		return out
	}

	It("runs each booking exactly once: one login and one logout per booking in CUCM's request log", func() {
		replicas := startBookingReplicas(pg.NewDB(), 2)
		start := time.Now().Add(3 * time.Second)
		ids := make([]string, 10)
		for i := range ids {
			ids[i] = book(replicas[i%2].BaseURL(), genDevice(i), genUser(i), start, start.Add(5*time.Second)).BookingID
		}
		for i, id := range ids {
			Eventually(bookingState).WithArguments(replicas[(i+1)%2].BaseURL(), genDevice(i), id).WithTimeout(60 * time.Second).Should(Equal("done"))
		}
		for i := range ids {
			logins, logouts, _ := carriedOut(sim, "R", genDevice(i))
			Expect([]int{logins, logouts}).To(Equal([]int{1, 1}), "device %s", genDevice(i))
		}
	})

	It("runs a booking whose claiming replica is killed between its claim and its login's answer: the other takes it over, one login in all", func() {
		dsn := pg.NewDB()
		replicas := startBookingReplicas(dsn, 2)
		device, user := genDevice(20), genUser(20)
		// The first login of the phone is held 4 s at CUCM: the claimer dies before or while
		// it is held, and CUCM never carries that login out (its client left).
		sim.AddFault("R", Fault{Operation: "login", Device: device, Latency: "4s", Count: 1})
		start := time.Now().Add(2 * time.Second)
		a := book(replicas[0].BaseURL(), device, user, start, start.Add(40*time.Second))
		var claimer string
		Eventually(func() string {
			claimer = pgString(dsn, `SELECT claim_token FROM bookings WHERE id = '`+a.BookingID+`'`)
			return claimer
		}).WithTimeout(due()).WithPolling(20 * time.Millisecond).ShouldNot(BeEmpty())
		killed, survivor := replicas[0], replicas[1]
		if strings.Contains(claimer, fmt.Sprintf("/%d#", replicas[1].Session().Command.Process.Pid)) {
			killed, survivor = replicas[1], replicas[0]
		}
		killed.Session().Kill()
		Eventually(killed.Session()).WithTimeout(stopTimeout).Should(gexec.Exit())
		killedAt := time.Now()

		Eventually(onDevice).WithArguments(sim, "R", device).WithTimeout(45*time.Second).Should(Equal(user), "the survivor logs in")
		AddReportEntry("taken over after", time.Since(killedAt).Round(time.Second).String())
		Eventually(bookingState).WithArguments(survivor.BaseURL(), device, a.BookingID).Should(Equal("active"), "saved after CUCM answered")
		Expect(bookingCall(survivor.BaseURL(), "/api/cancelbooking/"+a.BookingID, "").Code).To(BeZero())
		logins, logouts, abandoned := carriedOut(sim, "R", device)
		Expect([]int{logins, logouts}).To(Equal([]int{1, 1}), "one login and one logout carried out")
		// The killed replica died before its login reached CUCM, or while CUCM held it (then
		// CUCM dropped it with its client): never a second login.
		Expect(abandoned).To(BeNumerically("<=", 1))
	})
})

// due is how long a booking's start or end may take to be acted on, on a loaded machine.
func due() time.Duration { return 30 * time.Second }
