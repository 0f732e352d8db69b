// A day-one Kafka client for the harness: creates a topic, produces one record, consumes it back, and prints
// the broker addresses the cluster advertised (what clients connect to after bootstrapping).
// Usage: java -cp <kafka libs>:<dir> KafkaRoundTrip <bootstrap> <topic> <value>   (exit 0 only on success)
import java.time.Duration;
import java.util.*;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class KafkaRoundTrip {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1], value = args[2];
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    common.put("request.timeout.ms", "10000");
    common.put("default.api.timeout.ms", "20000");
    try (Admin admin = Admin.create(common)) {
      for (Node n : admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
        System.out.println("advertised " + n.host() + ":" + n.port());
      if (!admin.listTopics().names().get(20, TimeUnit.SECONDS).contains(topic))
        admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()))).all().get(20, TimeUnit.SECONDS);
    }
    Properties p = (Properties) common.clone();
    p.put("acks", "all");
    p.put("max.block.ms", "20000");
    p.put("delivery.timeout.ms", "30000");
    RecordMetadata meta;
    try (Producer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      meta = producer.send(new ProducerRecord<>(topic, "day-one", value)).get(30, TimeUnit.SECONDS);
    }
    System.out.println("produced " + meta.partition() + "@" + meta.offset());
    Properties c = (Properties) common.clone();
    c.put("enable.auto.commit", "false");
    try (Consumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, meta.partition());
      consumer.assign(List.of(tp));
      consumer.seek(tp, meta.offset());
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value().equals(value)) {
            System.out.println("consumed " + r.partition() + "@" + r.offset() + " " + r.value());
            return;
          }
        }
      }
    }
    System.err.println("the record produced was not consumed within 30 s");
    System.exit(2);
  }
}
