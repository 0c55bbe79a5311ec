/* A fixed workload on the RTOS (kernel.c), with a deterministic summary:
 *  - producer (priority 4) sends 1..20 through a 4-slot queue, sleeping a
 *    tick after every 5; consumer (priority 3) receives and prints them;
 *  - two workers (priority 2, time-sliced by SysTick) each add 1 to a shared
 *    counter 1000 times under a mutex, with a slow read-modify-write;
 *  - a sampler (priority 5) wakes every 2 ticks, takes the mutex (boosting
 *    the worker that holds it) and checks the counter is consistent;
 *  - the reporter (priority 1) prints the summary once all have finished.
 * Only the consumer prints while the others run: its output does not
 * depend on where the ticks land. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "kernel.h"
#include "mps2-an385.h"
#include "semihost.h"

#define ITEMS 20
#define INCREMENTS 1000
#define SAMPLES 10
#define WORKLOAD_TASKS 5 /* producer, consumer, 2 workers, sampler */

static Queue queue;
static uint32_t queue_buf[4];
static Mutex mutex;
static volatile uint32_t counter, counter_copy; /* equal outside the mutex */
static volatile uint32_t sum_received, items_received, samples, inconsistent;
static volatile int finished;

static void finish(void)
{
    __disable_irq();
    finished++;
    __enable_irq();
}

static void producer(void *arg)
{
    (void)arg;
    for (uint32_t i = 1; i <= ITEMS; i++) {
        queue_send(&queue, i);
        if (i % 5 == 0)
            rtos_delay(1);
    }
    finish();
}

static void consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITEMS; i++) {
        uint32_t v = queue_receive(&queue);
        con_printf("consumer: got %u\n", v);
        sum_received += v;
        items_received++;
    }
    finish();
}

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        mutex_lock(&mutex);
        uint32_t v = counter;
        counter = v + 1;
        for (volatile int spin = 0; spin < 500; spin++)
            ;
        counter_copy = v + 1;
        mutex_unlock(&mutex);
    }
    finish();
}

static void sampler(void *arg)
{
    (void)arg;
    for (int i = 0; i < SAMPLES; i++) {
        rtos_delay(2);
        mutex_lock(&mutex);
        if (counter != counter_copy)
            inconsistent++;
        samples++;
        mutex_unlock(&mutex);
    }
    finish();
}

static void reporter(void *arg)
{
    (void)arg;
    while (finished < WORKLOAD_TASKS)
        rtos_delay(5);
    con_printf("producer/consumer: %u items through the queue, sum %u\n", items_received,
               sum_received);
    CHECK(items_received == ITEMS && sum_received == ITEMS * (ITEMS + 1) / 2);
    con_printf("workers: counter %u (2 x %u increments under the mutex)\n", counter, INCREMENTS);
    CHECK(counter == 2 * INCREMENTS && counter_copy == counter);
    con_printf("sampler: %u samples, %u inconsistent\n", samples, inconsistent);
    CHECK(samples == SAMPLES && inconsistent == 0);
    sh_exit(check_finish("rtos"));
}

int main(void)
{
    static uint64_t stacks[6][128];
    queue_init(&queue, queue_buf, 4);
    rtos_task_create("producer", producer, 0, 4, stacks[0], 128);
    rtos_task_create("consumer", consumer, 0, 3, stacks[1], 128);
    rtos_task_create("worker1", worker, 0, 2, stacks[2], 128);
    rtos_task_create("worker2", worker, 0, 2, stacks[3], 128);
    rtos_task_create("sampler", sampler, 0, 5, stacks[4], 128);
    rtos_task_create("reporter", reporter, 0, 1, stacks[5], 128);
    con_puts("rtos: starting 6 tasks\n");
    rtos_start(SYSTEM_CORE_CLOCK, 1000);
}
