#include "iothread.h"

struct IoThread {
    GMainContext *context;
    GMainLoop *loop;
    GThread *thread;
};

static gpointer iothread_main(gpointer data)
{
    IoThread *io = data;
    g_main_context_push_thread_default(io->context);
    g_main_loop_run(io->loop);
    g_main_context_pop_thread_default(io->context);
    return NULL;
}

IoThread *iothread_new(void)
{
    IoThread *io = g_new0(IoThread, 1);
    io->context = g_main_context_new();
    io->loop = g_main_loop_new(io->context, FALSE);
    io->thread = g_thread_new("minivm-io", iothread_main, io);
    return io;
}

GMainContext *iothread_context(IoThread *io)
{
    return io->context;
}

static gboolean quit_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void iothread_free(IoThread *io)
{
    if (io == NULL)
        return;
    GSource *quit = g_idle_source_new();
    g_source_set_callback(quit, quit_loop, io->loop, NULL);
    g_source_attach(quit, io->context);
    g_source_unref(quit);
    g_thread_join(io->thread);
    g_main_loop_unref(io->loop);
    g_main_context_unref(io->context);
    g_free(io);
}
