package features

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// StreamEvent is one event of GET /v1/requests/stream: a request log entry plus its cluster.
type StreamEvent struct {
	Cluster   string `json:"cluster"`
	Node      string `json:"node"`
	Operation string `json:"operation"`
	Device    string `json:"device"`
	User      string `json:"user"`
	Code      *int   `json:"code"`
	Status    int    `json:"status"`
	XML       string `json:"xml"`
	// Raw is the event's data line as sent.
	Raw string `json:"-"`
}

// WatchRequests opens GET /v1/requests/stream?query and returns the channel of its events;
// the stream closes when the spec ends, or at once with the returned stop.
func (s *Sim) WatchRequests(query string) (events <-chan StreamEvent, stop func()) {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AdminURL()+"/v1/requests/stream?"+query, nil)
	Expect(err).NotTo(HaveOccurred())
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
	Expect(resp.Header.Get("Content-Type")).To(Equal("text/event-stream"))
	out := make(chan StreamEvent, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			ev := StreamEvent{Raw: data}
			if json.Unmarshal([]byte(data), &ev) == nil {
				out <- ev
			}
		}
	}()
	stop = func() {
		cancel()
		resp.Body.Close()
		<-done
	}
	DeferCleanup(stop)
	return out, stop
}

// StreamSubscribers is GET /v1/requests/stream/stats: the number of connected stream clients.
func (s *Sim) StreamSubscribers() int {
	GinkgoHelper()
	var out struct {
		Subscribers int `json:"subscribers"`
	}
	s.admin(http.MethodGet, "/v1/requests/stream/stats", nil, http.StatusOK, &out)
	return out.Subscribers
}

// Scenario is GET /v1/scenario as sent.
func (s *Sim) Scenario() string {
	GinkgoHelper()
	return s.Control().GET("/v1/scenario").Expect().Status(http.StatusOK).Body().Raw()
}

var _ = Describe("cucmsim console API", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("GET /v1/requests/stream", func() {
		It("sends an EM login posted to a node within a second, its certificate masked", func() {
			events, _ := sim.WatchRequests("")
			sim.PostEMTo("EU", "eu-sub1", loginXML(euDevice1, almUser))
			var ev StreamEvent
			Eventually(events).WithTimeout(time.Second).Should(Receive(&ev))
			Expect(ev).To(beStreamEvent("EU", "eu-sub1", "login", euDevice1, almUser))
			Expect(ev.Code).To(HaveValue(Equal(0)))
			Expect(ev.XML).To(ContainSubstring("<appCertificate>***</appCertificate>"))
			Expect(ev.Raw).NotTo(ContainSubstring(appCert))
		})

		It("sends only the requests its filters select: cluster, operation, device, code", func() {
			events, _ := sim.WatchRequests("cluster=eu&operation=login&device=" + euDevice2 + "&code=0")
			sim.PostEM("US", loginXML(usPlain1, usUser02))      // another cluster
			sim.PostEM("EU", deviceUserQueryXML(euDevice2))     // another operation
			sim.PostEM("EU", loginXML(euDevice1, almUser))      // another device
			sim.PostEM("EU", loginXML(euDevice2, "NOSUCHUSER")) // another code
			sim.PostEM("EU", loginXML(euDevice2, euUser02))     // selected
			var ev StreamEvent
			Eventually(events).WithTimeout(5 * time.Second).Should(Receive(&ev))
			Expect(ev).To(beStreamEvent("EU", "eu-pub", "login", euDevice2, euUser02))
			Consistently(events).WithTimeout(200 * time.Millisecond).ShouldNot(Receive())
		})

		It("answers 400 listing every problem of a bad filter", func() {
			sim.Control().GET("/v1/requests/stream").WithQuery("cluster", "XX").WithQuery("code", "two").WithQuery("colour", "red").
				Expect().Status(http.StatusBadRequest).JSON().Object().Value("problems").Array().Length().IsEqual(3)
			Expect(sim.StreamSubscribers()).To(Equal(0))
		})

		It("frees the subscription as soon as the client disconnects", func() {
			_, stop := sim.WatchRequests("")
			Expect(sim.StreamSubscribers()).To(Equal(1))
			stop()
			Eventually(sim.StreamSubscribers).WithTimeout(5 * time.Second).Should(Equal(0))
		})

		It("serves 50 watchers every request without failing an EM request", func() {
			// The cost for the EM handlers is measured by BenchmarkLoginLogoutWatched.
			watchers := make([]<-chan StreamEvent, 50)
			for i := range watchers {
				watchers[i], _ = sim.WatchRequests("")
			}
			Expect(sim.StreamSubscribers()).To(Equal(50))
			for range 20 {
				Expect(sim.EM("EU", deviceUserQueryXML(euDevice1)).Devices()).To(HaveLen(1))
			}
			for _, w := range watchers {
				for range 20 {
					Eventually(w).WithTimeout(10 * time.Second).Should(Receive())
				}
			}
		})
	})

	Describe("GET and PUT /v1/scenario", func() {
		explore := func() {
			sim.AddFault("EU", Fault{Operation: "login", Device: euDevice2, Count: 3, EMCode: emCode(25)})
			sim.AddFault("US", Fault{Node: "us-sub1", Latency: "2s", HTTPStatus: 503})
			Expect(sim.EM("EU", loginXML(euDevice2, euUser02)).Code()).To(Equal(25))
			sim.NodeDown("EU", "eu-sub1")
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser, Minutes: 90})
			sim.PutLogin("EU", dupDevice, SeedLogin{User: "USROAM01"})
			sim.PostEM("US", loginXML(usPlain1, usUser02))
			sim.PostEM("US", logoutXML(usPlain1))
			sim.SetCallHistory("EU", euPlain1, 40)
			sim.AdvanceClock(95 * time.Minute)
		}

		It("restores exactly the state it exported", func() {
			explore()
			doc := sim.Scenario()
			Expect(doc).To(And(ContainSubstring(`"clockOffset":"1h35m0s"`), ContainSubstring(`"remaining":2,"hits":1`),
				ContainSubstring(`{"name":"eu-sub1","up":false}`), ContainSubstring(`"lastLogins":{"SEPA00000000001":"USUSER02"}`),
				ContainSubstring(`"callHistories":{"`+euPlain1+`":40}`), ContainSubstring(`"emcc":true`)))
			sim.Reset()
			Expect(sim.Scenario()).NotTo(Equal(doc))
			sim.Control().PUT("/v1/scenario").WithText(doc).Expect().Status(http.StatusNoContent)
			Expect(sim.Scenario()).To(Equal(doc))
			Expect(sim.Cluster("EU").Nodes[1].Up).To(BeFalse())
			Expect(sim.EM("EU", loginXML(euDevice2, euUser02)).Code()).To(Equal(25), "the counted fault has hits left")
		})

		DescribeTable("refuses a bad document with every problem listed, changing nothing",
			func(doc string, problems ...string) {
				explore()
				before := sim.Scenario()
				body := sim.Control().PUT("/v1/scenario").WithText(doc).Expect().Status(http.StatusBadRequest).JSON().Object()
				body.Value("error").String().HasPrefix("invalid scenario")
				got := body.Value("problems").Array()
				got.Length().IsEqual(len(problems))
				for i, p := range problems {
					got.Value(i).String().IsEqual(p)
				}
				Expect(sim.Scenario()).To(Equal(before))
			},
			Entry("not JSON", `{"clusters":[`, "scenario: want an object: unexpected end of JSON input"),
			Entry("unknown keys at every level",
				`{"faults":[],"clusters":[{"code":"EU","up":true,"nodes":[{"name":"eu-pub","up":true,"addr":"x"}],"logins":[{"device":"`+euDevice1+`","user":"`+almUser+`","pin":"1234"}]}]}`,
				`scenario: unknown key "faults" (want clockOffset, clusters)`,
				`clusters[0]: unknown key "up" (want code, nodes, faults, logins, lastLogins, callHistories)`,
				`clusters[EU].nodes[0]: unknown key "addr" (want name, up)`,
				`clusters[EU].logins[0]: unknown key "pin" (want device, user, profile, since, expires, emcc)`),
			Entry("unknown cluster, node, device and user",
				`{"clusters":[{"code":"XX"},{"code":"US","nodes":[{"name":"eu-pub","up":false}],"logins":[{"device":"`+unknownDevice+`","user":"NOSUCHUSER"}],"callHistories":{"`+unknownDevice+`":3}}]}`,
				`clusters[0].code: unknown cluster "XX"`,
				`clusters[US].nodes[0].name: unknown node "eu-pub"`,
				`clusters[US].logins[0].device: unknown device "`+unknownDevice+`"`,
				`clusters[US].logins[0].user: unknown user "NOSUCHUSER"`,
				`clusters[US].callHistories.`+unknownDevice+`: unknown device "`+unknownDevice+`"`),
			Entry("malformed faults and clock",
				`{"clockOffset":"soon","clusters":[{"code":"EU","faults":[{"emCode":25,"drop":true},{"latency":"1h"},{"id":"f9","drop":true,"count":1,"remaining":4}]}]}`,
				`clockOffset: want a non-negative duration such as 90m, got "soon"`,
				`clusters[EU].faults[0]: at most one of emCode, httpStatus, drop, body (latency combines with any)`,
				`clusters[EU].faults[1]: latency must be a duration between 0 and 10m0s`,
				`clusters[EU].faults[2].remaining: must be 0..count (1)`),
		)
	})
})

// beStreamEvent matches a stream event's cluster, node, operation, device and user.
func beStreamEvent(cluster, node, operation, device, user string) OmegaMatcher {
	return And(
		HaveField("Cluster", cluster), HaveField("Node", node), HaveField("Operation", operation),
		HaveField("Device", device), HaveField("User", user),
	)
}
