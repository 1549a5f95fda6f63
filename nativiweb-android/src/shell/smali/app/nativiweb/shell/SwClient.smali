# Service workers' requests bypass WebViewClient: serve the bundled assets to them too, so a
# PWA's service worker registers and caches from the same origin as its pages.
.class public Lapp/nativiweb/shell/SwClient;
.super Landroid/webkit/ServiceWorkerClient;
.source "SwClient.smali"

.field private final activity:Lapp/nativiweb/shell/MainActivity;

.method public constructor <init>(Lapp/nativiweb/shell/MainActivity;)V
    .registers 2
    invoke-direct {p0}, Landroid/webkit/ServiceWorkerClient;-><init>()V
    iput-object p1, p0, Lapp/nativiweb/shell/SwClient;->activity:Lapp/nativiweb/shell/MainActivity;
    return-void
.end method

.method public shouldInterceptRequest(Landroid/webkit/WebResourceRequest;)Landroid/webkit/WebResourceResponse;
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/SwClient;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-static {v0, p1}, Lapp/nativiweb/shell/Assets;->serve(Lapp/nativiweb/shell/MainActivity;Landroid/webkit/WebResourceRequest;)Landroid/webkit/WebResourceResponse;
    move-result-object v0
    return-object v0
.end method
