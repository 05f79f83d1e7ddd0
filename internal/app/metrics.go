package app

import "github.com/prometheus/client_golang/prometheus"

// senderMetrics counts what the outbox's sender does, for /metrics.
type senderMetrics struct {
	sent, retried, failed *prometheus.CounterVec
	tooMany               prometheus.Counter
}

func newSenderMetrics(reg *prometheus.Registry) *senderMetrics {
	m := &senderMetrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deputybot_messages_sent_total",
			Help: "Messages (answers, notifications, reminders, digests, edits, files) Telegram accepted."}, []string{"kind", "method"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deputybot_messages_retried_total",
			Help: "Sends to be tried again, by reason (429, transient)."}, []string{"kind", "reason"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deputybot_messages_failed_total",
			Help: "Messages that will never be delivered, by reason (forbidden: blocked the bot, bad_request, not_found, gave_up)."}, []string{"kind", "reason"}),
		tooMany: prometheus.NewCounter(prometheus.CounterOpts{Name: "deputybot_telegram_429_total",
			Help: "Answers 429 (too many requests) from Telegram."}),
	}
	reg.MustRegister(m.sent, m.retried, m.failed, m.tooMany)
	return m
}

func (m *senderMetrics) Sent(kind, method string)    { m.sent.WithLabelValues(kind, method).Inc() }
func (m *senderMetrics) Retried(kind, reason string) { m.retried.WithLabelValues(kind, reason).Inc() }
func (m *senderMetrics) Failed(kind, reason string)  { m.failed.WithLabelValues(kind, reason).Inc() }
func (m *senderMetrics) TooManyRequests()            { m.tooMany.Inc() }
