# The nativiweb shell's only activity: one full-screen WebView.
#
# Settings come from assets/nativiweb.json (written by the packager): the start URL, the host
# the bundled assets are served from, the hosts that stay in the app, the theme and background
# colours, and the MIME types of the bundled files. Orientation, the launcher icon, the label
# and the window theme are in the manifest and resources.arsc.
.class public Lapp/nativiweb/shell/MainActivity;
.super Landroid/app/Activity;
.source "MainActivity.smali"

# The page. Null after the renderer died and before onCreate made a new one.
.field public webView:Landroid/webkit/WebView;

# assets/nativiweb.json (an empty object when missing or unreadable).
.field public settings:Lorg/json/JSONObject;

# The page's pending <input type="file"> callback, while the picker is open.
.field private fileCallback:Landroid/webkit/ValueCallback;

# Camera, microphone and location requests from the page (set in onCreate).
.field public permissions:Lapp/nativiweb/shell/Permissions;

# A BackCallback on Android 13+ (API 33), else null. Typed Object so this class links on
# older Android where OnBackInvokedCallback does not exist.
.field private back:Ljava/lang/Object;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

# Reads assets/nativiweb.json.
.method public static readSettings(Landroid/content/Context;)Lorg/json/JSONObject;
    .registers 6
    :try_start
    invoke-virtual {p0}, Landroid/content/Context;->getAssets()Landroid/content/res/AssetManager;
    move-result-object v0
    const-string v1, "nativiweb.json"
    invoke-virtual {v0, v1}, Landroid/content/res/AssetManager;->open(Ljava/lang/String;)Ljava/io/InputStream;
    move-result-object v0
    invoke-static {v0}, Lapp/nativiweb/shell/Assets;->readAll(Ljava/io/InputStream;)[B
    move-result-object v1
    new-instance v2, Ljava/lang/String;
    const-string v3, "UTF-8"
    invoke-direct {v2, v1, v3}, Ljava/lang/String;-><init>([BLjava/lang/String;)V
    new-instance v4, Lorg/json/JSONObject;
    invoke-direct {v4, v2}, Lorg/json/JSONObject;-><init>(Ljava/lang/String;)V
    :try_end
    .catch Ljava/lang/Exception; {:try_start .. :try_end} :fail
    return-object v4
    :fail
    new-instance v4, Lorg/json/JSONObject;
    invoke-direct {v4}, Lorg/json/JSONObject;-><init>()V
    return-object v4
.end method

# settings[key] parsed as a colour (#RRGGBB), or the fallback.
.method public static color(Lorg/json/JSONObject;Ljava/lang/String;Ljava/lang/String;)I
    .registers 4
    invoke-virtual {p0, p1, p2}, Lorg/json/JSONObject;->optString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    :try_start
    invoke-static {v0}, Landroid/graphics/Color;->parseColor(Ljava/lang/String;)I
    move-result v0
    :try_end
    .catch Ljava/lang/IllegalArgumentException; {:try_start .. :try_end} :bad
    return v0
    :bad
    invoke-static {p2}, Landroid/graphics/Color;->parseColor(Ljava/lang/String;)I
    move-result v0
    return v0
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 10
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V

    invoke-static {p0}, Lapp/nativiweb/shell/MainActivity;->readSettings(Landroid/content/Context;)Lorg/json/JSONObject;
    move-result-object v0
    iput-object v0, p0, Lapp/nativiweb/shell/MainActivity;->settings:Lorg/json/JSONObject;
    new-instance v1, Lapp/nativiweb/shell/Permissions;
    invoke-direct {v1, p0}, Lapp/nativiweb/shell/Permissions;-><init>(Lapp/nativiweb/shell/MainActivity;)V
    iput-object v1, p0, Lapp/nativiweb/shell/MainActivity;->permissions:Lapp/nativiweb/shell/Permissions;

    # v1 = theme colour, v2 = background colour
    const-string v1, "theme_color"
    const-string v2, "#ffffff"
    invoke-static {v0, v1, v2}, Lapp/nativiweb/shell/MainActivity;->color(Lorg/json/JSONObject;Ljava/lang/String;Ljava/lang/String;)I
    move-result v1
    const-string v2, "background_color"
    const-string v3, "#ffffff"
    invoke-static {v0, v2, v3}, Lapp/nativiweb/shell/MainActivity;->color(Lorg/json/JSONObject;Ljava/lang/String;Ljava/lang/String;)I
    move-result v2

    # Status bar in the theme colour on Android 7-14 (API 24-34). From Android 15 (API 35) the
    # app is drawn edge to edge, setStatusBarColor is deprecated and does nothing, and the root
    # view's background below shows behind the bar instead.
    sget v3, Landroid/os/Build$VERSION;->SDK_INT:I
    const/16 v4, 0x23
    if-ge v3, v4, :edge_to_edge
    invoke-virtual {p0}, Landroid/app/Activity;->getWindow()Landroid/view/Window;
    move-result-object v3
    invoke-virtual {v3, v1}, Landroid/view/Window;->setStatusBarColor(I)V
    :edge_to_edge

    # Root: padded by the system bars, display cutout and keyboard (Insets), painted in the
    # theme colour behind them.
    new-instance v3, Landroid/widget/FrameLayout;
    invoke-direct {v3, p0}, Landroid/widget/FrameLayout;-><init>(Landroid/content/Context;)V
    invoke-virtual {v3, v1}, Landroid/view/View;->setBackgroundColor(I)V
    new-instance v4, Lapp/nativiweb/shell/Insets;
    invoke-direct {v4}, Lapp/nativiweb/shell/Insets;-><init>()V
    invoke-virtual {v3, v4}, Landroid/view/View;->setOnApplyWindowInsetsListener(Landroid/view/View$OnApplyWindowInsetsListener;)V

    # The WebView.
    new-instance v4, Landroid/webkit/WebView;
    invoke-direct {v4, p0}, Landroid/webkit/WebView;-><init>(Landroid/content/Context;)V
    iput-object v4, p0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    invoke-virtual {v4, v2}, Landroid/webkit/WebView;->setBackgroundColor(I)V

    invoke-virtual {v4}, Landroid/webkit/WebView;->getSettings()Landroid/webkit/WebSettings;
    move-result-object v5
    const/4 v6, 0x1
    invoke-virtual {v5, v6}, Landroid/webkit/WebSettings;->setJavaScriptEnabled(Z)V
    invoke-virtual {v5, v6}, Landroid/webkit/WebSettings;->setDomStorageEnabled(Z)V
    invoke-virtual {v5, v6}, Landroid/webkit/WebSettings;->setDatabaseEnabled(Z)V
    const/4 v6, 0x0
    invoke-virtual {v5, v6}, Landroid/webkit/WebSettings;->setAllowFileAccess(Z)V
    invoke-virtual {v5, v6}, Landroid/webkit/WebSettings;->setAllowContentAccess(Z)V
    invoke-virtual {v5, v6}, Landroid/webkit/WebSettings;->setMediaPlaybackRequiresUserGesture(Z)V

    new-instance v5, Lapp/nativiweb/shell/ShellClient;
    invoke-direct {v5, p0}, Lapp/nativiweb/shell/ShellClient;-><init>(Lapp/nativiweb/shell/MainActivity;)V
    invoke-virtual {v4, v5}, Landroid/webkit/WebView;->setWebViewClient(Landroid/webkit/WebViewClient;)V
    new-instance v5, Lapp/nativiweb/shell/ShellChrome;
    invoke-direct {v5, p0}, Lapp/nativiweb/shell/ShellChrome;-><init>(Lapp/nativiweb/shell/MainActivity;)V
    invoke-virtual {v4, v5}, Landroid/webkit/WebView;->setWebChromeClient(Landroid/webkit/WebChromeClient;)V

    # Service workers fetch through their own client: serve the bundled assets there too.
    invoke-static {}, Landroid/webkit/ServiceWorkerController;->getInstance()Landroid/webkit/ServiceWorkerController;
    move-result-object v5
    new-instance v6, Lapp/nativiweb/shell/SwClient;
    invoke-direct {v6, p0}, Lapp/nativiweb/shell/SwClient;-><init>(Lapp/nativiweb/shell/MainActivity;)V
    invoke-virtual {v5, v6}, Landroid/webkit/ServiceWorkerController;->setServiceWorkerClient(Landroid/webkit/ServiceWorkerClient;)V

    new-instance v5, Landroid/widget/FrameLayout$LayoutParams;
    const/4 v6, -0x1
    invoke-direct {v5, v6, v6}, Landroid/widget/FrameLayout$LayoutParams;-><init>(II)V
    invoke-virtual {v3, v4, v5}, Landroid/view/ViewGroup;->addView(Landroid/view/View;Landroid/view/ViewGroup$LayoutParams;)V
    invoke-virtual {p0, v3}, Landroid/app/Activity;->setContentView(Landroid/view/View;)V

    # Android 13+: the back gesture goes through OnBackInvokedDispatcher (and from Android 16
    # onBackPressed is no longer called for apps targeting API 36).
    sget v5, Landroid/os/Build$VERSION;->SDK_INT:I
    const/16 v6, 0x21
    if-lt v5, v6, :no_callback
    new-instance v5, Lapp/nativiweb/shell/BackCallback;
    invoke-direct {v5, p0}, Lapp/nativiweb/shell/BackCallback;-><init>(Lapp/nativiweb/shell/MainActivity;)V
    iput-object v5, p0, Lapp/nativiweb/shell/MainActivity;->back:Ljava/lang/Object;
    :no_callback

    # After the process was killed in the background: back to the page the user was on (only
    # its URL was saved, see onSaveInstanceState), if it is still one the app shows itself.
    # Else the start URL.
    if-eqz p1, :fresh
    const-string v5, "nativiweb.url"
    invoke-virtual {p1, v5}, Landroid/os/Bundle;->getString(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v5
    invoke-static {v5}, Lapp/nativiweb/shell/MainActivity;->savableUrl(Ljava/lang/String;)Z
    move-result v6
    if-eqz v6, :fresh
    invoke-static {v5}, Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;
    move-result-object v6
    invoke-static {p0, v6}, Lapp/nativiweb/shell/Assets;->inApp(Lapp/nativiweb/shell/MainActivity;Landroid/net/Uri;)Z
    move-result v6
    if-eqz v6, :fresh
    invoke-virtual {v4, v5}, Landroid/webkit/WebView;->loadUrl(Ljava/lang/String;)V
    return-void
    :fresh
    const-string v5, "start_url"
    const-string v6, "https://appassets.androidplatform.net/"
    invoke-virtual {v0, v5, v6}, Lorg/json/JSONObject;->optString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v5
    invoke-virtual {v4, v5}, Landroid/webkit/WebView;->loadUrl(Ljava/lang/String;)V
    return-void
.end method

# Going to the background: keep only the current page's URL, never WebView.saveState (a long
# history can pass the Binder transaction limit, and Android then kills the app with
# TransactionTooLargeException while it is in the background).
.method protected onSaveInstanceState(Landroid/os/Bundle;)V
    .registers 4
    invoke-super {p0, p1}, Landroid/app/Activity;->onSaveInstanceState(Landroid/os/Bundle;)V
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    if-eqz v0, :done
    invoke-virtual {v0}, Landroid/webkit/WebView;->getUrl()Ljava/lang/String;
    move-result-object v0
    invoke-static {v0}, Lapp/nativiweb/shell/MainActivity;->savableUrl(Ljava/lang/String;)Z
    move-result v1
    if-eqz v1, :done
    const-string v1, "nativiweb.url"
    invoke-virtual {p1, v1, v0}, Landroid/os/Bundle;->putString(Ljava/lang/String;Ljava/lang/String;)V
    :done
    return-void
.end method

# Whether a page URL is worth keeping across a process death: http(s), at most 2048 chars.
.method public static savableUrl(Ljava/lang/String;)Z
    .registers 3
    if-eqz p0, :no
    invoke-virtual {p0}, Ljava/lang/String;->length()I
    move-result v0
    const/16 v1, 0x800
    if-gt v0, v1, :no
    const-string v0, "https://"
    invoke-virtual {p0, v0}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v0
    if-nez v0, :yes
    const-string v0, "http://"
    invoke-virtual {p0, v0}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v0
    if-eqz v0, :no
    :yes
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

.method protected onDestroy()V
    .registers 2
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    if-eqz v0, :done
    invoke-virtual {v0}, Landroid/webkit/WebView;->destroy()V
    const/4 v0, 0x0
    iput-object v0, p0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    :done
    invoke-super {p0}, Landroid/app/Activity;->onDestroy()V
    return-void
.end method

# Back (Android 12 and older, and 13-15 without the predictive-back opt-in): walk the page's
# history, then leave as usual.
.method public onBackPressed()V
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    if-eqz v0, :leave
    invoke-virtual {v0}, Landroid/webkit/WebView;->canGoBack()Z
    move-result v1
    if-eqz v1, :leave
    invoke-virtual {v0}, Landroid/webkit/WebView;->goBack()V
    return-void
    :leave
    invoke-super {p0}, Landroid/app/Activity;->onBackPressed()V
    return-void
.end method

# Called by BackCallback: one step back in the page, or finish when there is none.
.method public goBackOrExit()V
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    if-eqz v0, :leave
    invoke-virtual {v0}, Landroid/webkit/WebView;->canGoBack()Z
    move-result v1
    if-eqz v1, :leave
    invoke-virtual {v0}, Landroid/webkit/WebView;->goBack()V
    return-void
    :leave
    invoke-virtual {p0}, Landroid/app/Activity;->finish()V
    return-void
.end method

# The page's history changed: on Android 13+, claim the back gesture only while the page can
# go back, so the system's predictive "back to home" animation plays otherwise.
.method public updateBack()V
    .registers 2
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->back:Ljava/lang/Object;
    if-eqz v0, :done
    check-cast v0, Lapp/nativiweb/shell/BackCallback;
    invoke-virtual {v0}, Lapp/nativiweb/shell/BackCallback;->update()V
    :done
    return-void
.end method

# <input type="file">: opens the system picker the page asked for (types, multiple) and keeps
# the callback until onActivityResult. Without a picker app (or any other RuntimeException from
# startActivityForResult, e.g. a SecurityException), answers "nothing chosen".
.method public chooseFile(Landroid/webkit/ValueCallback;Landroid/webkit/WebChromeClient$FileChooserParams;)Z
    .registers 6
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->fileCallback:Landroid/webkit/ValueCallback;
    if-eqz v0, :none_pending
    const/4 v1, 0x0
    invoke-interface {v0, v1}, Landroid/webkit/ValueCallback;->onReceiveValue(Ljava/lang/Object;)V
    :none_pending
    iput-object p1, p0, Lapp/nativiweb/shell/MainActivity;->fileCallback:Landroid/webkit/ValueCallback;
    :try_start
    invoke-virtual {p2}, Landroid/webkit/WebChromeClient$FileChooserParams;->createIntent()Landroid/content/Intent;
    move-result-object v0
    const/16 v1, 0x4e57
    invoke-virtual {p0, v0, v1}, Landroid/app/Activity;->startActivityForResult(Landroid/content/Intent;I)V
    :try_end
    .catch Ljava/lang/RuntimeException; {:try_start .. :try_end} :no_picker
    const/4 v0, 0x1
    return v0
    :no_picker
    const/4 v0, 0x0
    iput-object v0, p0, Lapp/nativiweb/shell/MainActivity;->fileCallback:Landroid/webkit/ValueCallback;
    invoke-interface {p1, v0}, Landroid/webkit/ValueCallback;->onReceiveValue(Ljava/lang/Object;)V
    const/4 v0, 0x1
    return v0
.end method

# The picker's answer goes back to the page.
.method protected onActivityResult(IILandroid/content/Intent;)V
    .registers 7
    invoke-super {p0, p1, p2, p3}, Landroid/app/Activity;->onActivityResult(IILandroid/content/Intent;)V
    const/16 v0, 0x4e57
    if-ne p1, v0, :done
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->fileCallback:Landroid/webkit/ValueCallback;
    if-eqz v0, :done
    const/4 v1, 0x0
    iput-object v1, p0, Lapp/nativiweb/shell/MainActivity;->fileCallback:Landroid/webkit/ValueCallback;
    invoke-static {p2, p3}, Landroid/webkit/WebChromeClient$FileChooserParams;->parseResult(ILandroid/content/Intent;)[Landroid/net/Uri;
    move-result-object v1
    invoke-interface {v0, v1}, Landroid/webkit/ValueCallback;->onReceiveValue(Ljava/lang/Object;)V
    :done
    return-void
.end method

# The user answered a permission request Permissions made for the page.
.method public onRequestPermissionsResult(I[Ljava/lang/String;[I)V
    .registers 5
    invoke-super {p0, p1, p2, p3}, Landroid/app/Activity;->onRequestPermissionsResult(I[Ljava/lang/String;[I)V
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->permissions:Lapp/nativiweb/shell/Permissions;
    if-eqz v0, :done
    invoke-virtual {v0, p1}, Lapp/nativiweb/shell/Permissions;->answered(I)V
    :done
    return-void
.end method
