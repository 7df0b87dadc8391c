# The Apache Kafka distribution, assembled on the control node from Maven Central (packaging/kafka): the local stack,
# the tests, the benchmarks, Molecule and the lab all run it. Rebuilt only when its inputs change.
KAFKA_VERSION := $(shell sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' packaging/kafka/pom.xml)
KAFKA_SCALA := $(shell sed -n 's:.*<scala.binary.version>\(.*\)</scala.binary.version>.*:\1:p' packaging/kafka/pom.xml)
KAFKA_DIST := $(BUILD)/release/kafka_$(KAFKA_SCALA)-$(KAFKA_VERSION).tgz
KAFKA_DIST_INPUTS := scripts/build-kafka-dist.sh $(wildcard packaging/kafka/*) $(wildcard packaging/kafka/bin/*)

.PHONY: kafka-dist kafka-lock
kafka-dist: $(KAFKA_DIST) ## build/release/kafka_<scala>-<version>.tgz from Maven Central, every jar checked against packaging/kafka/jars.sha512
$(KAFKA_DIST): $(KAFKA_DIST_INPUTS)
	@bash scripts/build-kafka-dist.sh

kafka-lock: ## after a reviewed version change in packaging/kafka/pom.xml: rebuild and rewrite jars.sha512
	@bash scripts/build-kafka-dist.sh --update-lock
